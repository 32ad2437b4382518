import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

/** One request as the HTTP API (payload 2.0, JWT authorizer) hands it to a function. */
export interface HttpApiCall {
  readonly method: string;
  readonly path: string;
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string>;
  /** An object is sent as its JSON. */
  readonly body?: string | object;
  /** The JWT's `sub` the authorizer verified; `null` for no claims at all. @default 'user-1' */
  readonly sub?: string | null;
  readonly headers?: Record<string, string>;
  /** Send the body base64-encoded, as API Gateway does for binary media types. */
  readonly base64?: boolean;
}

/** The API Gateway v2 event of `call`, with `content-type: application/json` unless overridden. */
export function anHttpApiEvent<E extends APIGatewayProxyEventV2WithJWTAuthorizer>(call: HttpApiCall): E {
  const raw =
    call.body === undefined
      ? undefined
      : typeof call.body === 'string'
        ? call.body
        : JSON.stringify(call.body);
  return {
    version: '2.0',
    routeKey: call.routeKey,
    rawPath: call.path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...call.headers },
    ...(raw === undefined ? {} : { body: call.base64 ? Buffer.from(raw).toString('base64') : raw }),
    isBase64Encoded: call.base64 ?? false,
    ...(call.pathParameters ? { pathParameters: call.pathParameters } : {}),
    requestContext: {
      http: {
        method: call.method,
        path: call.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      authorizer: {
        jwt: { claims: call.sub === null ? {} : { sub: call.sub ?? 'user-1' }, scopes: [] },
        principalId: '',
        integrationLatency: 0,
      },
    },
  } as unknown as E;
}

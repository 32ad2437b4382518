/**
 * What API Gateway HTTP APIs do between the client and a Lambda (payload format 2.0): match a route,
 * build the event, and turn the function's result back into an HTTP answer. Pure functions, so the
 * local server stays thin and the mapping is unit-tested on its own.
 */
import { randomFillSync } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;

/** A request the event is made of, as received on the wire. */
export interface RawRequest {
  readonly method: string;
  /** The request target as sent: path plus optional `?query`. */
  readonly url: string;
  /** e.g. `HTTP/1.1` */
  readonly protocol: string;
  /** Alternating names and values, as Node's `rawHeaders`. */
  readonly rawHeaders: readonly string[];
  readonly sourceIp: string;
  readonly body: Buffer;
}

export interface RouteMatch {
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string>;
}

/** A malformed request API Gateway answers with 400 before any route or function runs. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BadRequestError('malformed percent-encoding in path');
  }
}

/** Splits a request target into its raw path and raw query string (without `?` and `#fragment`). */
export function splitTarget(url: string): { rawPath: string; rawQueryString: string } {
  if (!url.startsWith('/')) throw new BadRequestError('request target must be an absolute path');
  const noFragment = url.split('#', 1)[0] ?? '';
  const q = noFragment.indexOf('?');
  return q < 0
    ? { rawPath: noFragment, rawQueryString: '' }
    : { rawPath: noFragment.slice(0, q), rawQueryString: noFragment.slice(q + 1) };
}

/** A route key split once: its method and its path template's segments. */
export interface CompiledRoute {
  readonly routeKey: string;
  readonly method: string;
  readonly parts: readonly RoutePart[];
}

type RoutePart =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

/** Splits route keys like `PUT /v1/devices/{deviceId}` once, for `matchCompiledRoute`. */
export function compileRoutes(routeKeys: readonly string[]): CompiledRoute[] {
  return routeKeys.map((routeKey) => {
    const [method = '', template = ''] = routeKey.split(' ');
    const parts = template
      .split('/')
      .slice(1)
      .map((part): RoutePart => {
        const greedy = /^\{(.+)\+\}$/.exec(part)?.[1];
        if (greedy) return { kind: 'greedy', name: greedy };
        const param = /^\{(.+)\}$/.exec(part)?.[1];
        if (param) return { kind: 'param', name: param };
        return { kind: 'literal', text: part };
      });
    return { routeKey, method, parts };
  });
}

/**
 * Finds the route for a method and raw path among route keys like `PUT /v1/devices/{deviceId}`
 * (`{name}` is one non-empty segment, `{name+}` the rest of the path, `ANY` any method).
 * Path parameters come out URL-decoded. Undefined when no route matches (API Gateway's 404).
 */
export function matchRoute(
  routeKeys: readonly string[],
  method: string,
  rawPath: string,
): RouteMatch | undefined {
  return matchCompiledRoute(compileRoutes(routeKeys), method, rawPath);
}

/** `matchRoute` over routes compiled once (the server's routes do not change while it runs). */
export function matchCompiledRoute(
  routes: readonly CompiledRoute[],
  method: string,
  rawPath: string,
): RouteMatch | undefined {
  const segments = rawPath.split('/').slice(1);
  const upperMethod = method.toUpperCase();
  for (const { routeKey, method: routeMethod, parts } of routes) {
    if (routeMethod !== 'ANY' && routeMethod !== upperMethod) continue;
    const params: Record<string, string> = {};
    let paramCount = 0;
    let matched = true;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as RoutePart;
      const segment = segments[i];
      if (part.kind === 'greedy') {
        const rest = segments.slice(i).join('/');
        matched = i === parts.length - 1 && rest !== '';
        if (matched) {
          params[part.name] = decodeSegment(rest);
          paramCount++;
        }
        break;
      }
      if (segment === undefined || (i === parts.length - 1 && segments.length !== parts.length)) {
        matched = false;
        break;
      }
      if (part.kind === 'param') {
        if (segment === '') {
          matched = false;
          break;
        }
        params[part.name] = decodeSegment(segment);
        paramCount++;
      } else if (decodeSegment(segment) !== part.text) {
        matched = false;
        break;
      }
    }
    if (matched && parts.length > 0) {
      return paramCount > 0 ? { routeKey, pathParameters: params } : { routeKey };
    }
  }
  return undefined;
}

/** Content types API Gateway passes as text; every other body reaches the function base64-encoded. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/(json|javascript|ecmascript|xml|x-www-form-urlencoded|graphql)$/.test(type) ||
    type.endsWith('+json') ||
    type.endsWith('+xml')
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the format of `requestContext.time`. */
export function formatRequestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** The authorizer hands claims to the function as strings (numbers too; arrays as `[a b]`). */
export function stringifyClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) out[name] = `[${value.map(String).join(' ')}]`;
    else if (typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

function scopesOf(claims: Record<string, unknown>): string[] | null {
  const raw = claims.scope ?? claims.scp;
  if (typeof raw === 'string' && raw.trim() !== '') return raw.trim().split(/\s+/);
  if (Array.isArray(raw) && raw.length > 0) return raw.map(String);
  return null;
}

function joinedHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = rawHeaders[i + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const params: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    params[name] = name in params ? `${params[name]},${value}` : value;
  }
  return Object.keys(params).length > 0 ? params : undefined;
}

const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/**
 * `n` fresh random bytes, cut from a pool refilled by one `randomFillSync` every 4 KiB: a
 * `randomBytes` call per id costs ~10 µs here, more than the rest of the event mapping. No byte is
 * handed out twice.
 */
function randomChunk(n: number): Buffer {
  if (randomOffset + n > randomPool.length) {
    randomPool = randomFillSync(Buffer.allocUnsafe(RANDOM_POOL_BYTES));
    randomOffset = 0;
  }
  const chunk = randomPool.subarray(randomOffset, randomOffset + n);
  randomOffset += n;
  return chunk;
}

/** A request id shaped like API Gateway's (`JKJaXmPLvHcESHA=`). */
export function newRequestId(): string {
  return randomChunk(11).toString('base64');
}

export interface EventContext {
  readonly route: RouteMatch;
  readonly claims: Record<string, unknown>;
  /** @default now */
  readonly now?: Date;
  /** @default a random id shaped like API Gateway's */
  readonly requestId?: string;
  /** Local port, reported in `x-forwarded-port`. */
  readonly port?: number;
}

/** The HTTP API (payload 2.0) event that API Gateway would hand to the function for this request. */
export function toApiGatewayEvent(request: RawRequest, context: EventContext): ApiEvent {
  const now = context.now ?? new Date();
  const requestId = context.requestId ?? newRequestId();
  const { rawPath, rawQueryString } = splitTarget(request.url);
  const { headers, cookies } = joinedHeaders(request.rawHeaders);
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']},${request.sourceIp}`
    : request.sourceIp;
  headers['x-forwarded-proto'] = 'http';
  if (context.port !== undefined) headers['x-forwarded-port'] = String(context.port);
  headers['x-amzn-trace-id'] ??=
    `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomChunk(12).toString('hex')}`;
  const domainName = headers.host ?? 'localhost';
  const query = queryParameters(rawQueryString);
  const hasBody = request.body.length > 0;
  const asText = isTextContentType(headers['content-type']);
  const event: ApiEvent = {
    version: '2.0',
    routeKey: context.route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: { jwt: { claims: stringifyClaims(context.claims), scopes: scopesOf(context.claims) } },
      domainName,
      domainPrefix: domainName.split('.', 1)[0] ?? domainName,
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: context.route.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(context.route.pathParameters ? { pathParameters: context.route.pathParameters } : {}),
    ...(hasBody ? { body: asText ? request.body.toString('utf8') : request.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !asText,
  };
  return event;
}

export interface HttpAnswer {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

/**
 * Maps what the function returned to the HTTP answer, as API Gateway does for payload 2.0: a result
 * with `statusCode` is taken as is; anything else is a 200 with the result as a JSON body (a string
 * as it is). Throws on a structurally invalid result (API Gateway answers 500 then).
 */
export function fromLambdaResult(result: unknown): HttpAnswer {
  const structured =
    typeof result === 'object' && result !== null && 'statusCode' in result
      ? (result as Record<string, unknown>)
      : undefined;
  if (!structured) {
    const body = typeof result === 'string' ? result : (JSON.stringify(result) ?? '');
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(body),
    };
  }
  const statusCode = structured.statusCode;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new Error(`invalid statusCode in function result: ${String(statusCode)}`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries((structured.headers as Record<string, unknown>) ?? {})) {
    if (value !== undefined && value !== null) headers[name.toLowerCase()] = String(value);
  }
  const cookies = Array.isArray(structured.cookies) ? structured.cookies.map(String) : [];
  const rawBody = structured.body;
  if (rawBody !== undefined && rawBody !== null && typeof rawBody !== 'string') {
    throw new Error('function result body must be a string');
  }
  const body = rawBody
    ? Buffer.from(rawBody, structured.isBase64Encoded === true ? 'base64' : 'utf8')
    : Buffer.alloc(0);
  return { statusCode, headers, cookies, body };
}

import { describe, expect, it } from '@jest/globals';
import {
  BadRequestError,
  formatRequestTime,
  fromLambdaResult,
  isTextContentType,
  matchRoute,
  type RawRequest,
  stringifyClaims,
  toApiGatewayEvent,
} from '../../local/apigw-event';

const ROUTES = [
  'PUT /v1/devices/{deviceId}',
  'GET /v1/devices',
  'DELETE /v1/devices/{deviceId}',
  'POST /v1/calls/{callId}/receipts',
];

function request(overrides: Partial<RawRequest> = {}): RawRequest {
  return {
    method: 'PUT',
    url: '/v1/devices/phone%201?b=2&a=1&a=3',
    protocol: 'HTTP/1.1',
    rawHeaders: [
      'Host',
      '127.0.0.1:3000',
      'Content-Type',
      'application/json',
      'User-Agent',
      'curl/8',
      'X-Multi',
      'one',
      'x-multi',
      'two',
      'Cookie',
      'a=1; b=2',
      'Authorization',
      'Bearer abc',
    ],
    sourceIp: '127.0.0.1',
    body: Buffer.from('{"x":1}'),
    ...overrides,
  };
}

describe('matchRoute', () => {
  it('returns the route key and decoded path parameters when a templated route matches', () => {
    expect(matchRoute(ROUTES, 'put', '/v1/devices/phone%201')).toEqual({
      routeKey: 'PUT /v1/devices/{deviceId}',
      pathParameters: { deviceId: 'phone 1' },
    });
    expect(matchRoute(ROUTES, 'POST', '/v1/calls/c-1/receipts')?.pathParameters).toEqual({ callId: 'c-1' });
  });

  it('returns a route without path parameters when a literal route matches', () => {
    expect(matchRoute(ROUTES, 'GET', '/v1/devices')).toEqual({ routeKey: 'GET /v1/devices' });
  });

  it('returns undefined when the method, the segment count or a literal differ', () => {
    expect(matchRoute(ROUTES, 'POST', '/v1/devices/x')).toBeUndefined();
    expect(matchRoute(ROUTES, 'GET', '/v1/devices/x/y')).toBeUndefined();
    expect(matchRoute(ROUTES, 'GET', '/v2/devices')).toBeUndefined();
    expect(matchRoute(ROUTES, 'PUT', '/v1/devices/')).toBeUndefined();
    expect(matchRoute(ROUTES, 'GET', '/')).toBeUndefined();
  });

  it('matches the rest of the path when the route has a greedy parameter', () => {
    expect(matchRoute(['ANY /files/{proxy+}'], 'PATCH', '/files/a/b%2Fc')).toEqual({
      routeKey: 'ANY /files/{proxy+}',
      pathParameters: { proxy: 'a/b/c' },
    });
  });

  it('throws a bad request when a path segment has broken percent-encoding', () => {
    expect(() => matchRoute(ROUTES, 'PUT', '/v1/devices/%E0%A4%A')).toThrow(BadRequestError);
  });
});

describe('toApiGatewayEvent', () => {
  const now = new Date('2026-11-28T10:00:05.123Z');
  const route = { routeKey: 'PUT /v1/devices/{deviceId}', pathParameters: { deviceId: 'phone 1' } };

  it('builds a payload 2.0 event like API Gateway when a JSON request is authorized', () => {
    const event = toApiGatewayEvent(request(), {
      route,
      claims: { sub: 'user-1', exp: 1800000000, aud: 'voip-push-local', scope: 'devices:write devices:read' },
      now,
      requestId: 'JKJaXmPLvHcESHA=',
      port: 3000,
    });
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'PUT /v1/devices/{deviceId}',
      rawPath: '/v1/devices/phone%201',
      rawQueryString: 'b=2&a=1&a=3',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { a: '1,3', b: '2' },
      pathParameters: { deviceId: 'phone 1' },
      body: '{"x":1}',
      isBase64Encoded: false,
      requestContext: {
        routeKey: 'PUT /v1/devices/{deviceId}',
        stage: '$default',
        requestId: 'JKJaXmPLvHcESHA=',
        time: '28/Nov/2026:10:00:05 +0000',
        timeEpoch: now.getTime(),
        domainName: '127.0.0.1:3000',
        http: {
          method: 'PUT',
          path: '/v1/devices/phone%201',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        authorizer: {
          jwt: {
            claims: {
              sub: 'user-1',
              exp: '1800000000',
              aud: 'voip-push-local',
              scope: 'devices:write devices:read',
            },
            scopes: ['devices:write', 'devices:read'],
          },
        },
      },
    });
    expect(event.headers).toMatchObject({
      host: '127.0.0.1:3000',
      'content-type': 'application/json',
      'x-multi': 'one,two',
      authorization: 'Bearer abc',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-port': '3000',
    });
    expect(event.headers).not.toHaveProperty('cookie');
  });

  it('omits body, cookies, query and path parameters when the request has none', () => {
    const event = toApiGatewayEvent(
      request({ method: 'GET', url: '/v1/devices', rawHeaders: ['Host', 'h'], body: Buffer.alloc(0) }),
      { route: { routeKey: 'GET /v1/devices' }, claims: { sub: 'u' }, now },
    );
    expect(event).not.toHaveProperty('body');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('pathParameters');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.rawQueryString).toBe('');
    expect(event.requestContext.authorizer.jwt.scopes).toBeNull();
  });

  it('base64-encodes the body when the content type is not text', () => {
    const body = Buffer.from([0, 1, 2, 255]);
    const event = toApiGatewayEvent(
      request({ rawHeaders: ['Content-Type', 'application/octet-stream'], body }),
      {
        route,
        claims: { sub: 'u' },
        now,
      },
    );
    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe(body.toString('base64'));
  });

  it('throws a bad request when the target is not an absolute path', () => {
    expect(() => toApiGatewayEvent(request({ url: 'http://x/y' }), { route, claims: { sub: 'u' } })).toThrow(
      BadRequestError,
    );
  });
});

describe('event helpers', () => {
  it('treats JSON, text and +json types as text when deciding on base64', () => {
    expect(isTextContentType('application/json; charset=utf-8')).toBe(true);
    expect(isTextContentType('text/plain')).toBe(true);
    expect(isTextContentType('application/merge-patch+json')).toBe(true);
    expect(isTextContentType('application/octet-stream')).toBe(false);
    expect(isTextContentType(undefined)).toBe(false);
  });

  it('formats the request time with a zero-padded day when the day is single-digit', () => {
    expect(formatRequestTime(new Date('2026-03-02T04:05:06Z'))).toBe('02/Mar/2026:04:05:06 +0000');
  });

  it('stringifies numbers and arrays when handing claims to the function', () => {
    expect(stringifyClaims({ n: 1, b: true, a: ['x', 'y'], o: { k: 1 }, skip: undefined })).toEqual({
      n: '1',
      b: 'true',
      a: '[x y]',
      o: '{"k":1}',
    });
  });
});

describe('fromLambdaResult', () => {
  it('uses status, headers, cookies and body when the result is structured', () => {
    const answer = fromLambdaResult({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json', 'X-N': 3 },
      cookies: ['s=1; HttpOnly'],
      body: '{"ok":true}',
    });
    expect(answer.statusCode).toBe(201);
    expect(answer.headers).toEqual({ 'content-type': 'application/json', 'x-n': '3' });
    expect(answer.cookies).toEqual(['s=1; HttpOnly']);
    expect(answer.body.toString()).toBe('{"ok":true}');
  });

  it('decodes the body when the result says isBase64Encoded', () => {
    const answer = fromLambdaResult({
      statusCode: 200,
      body: Buffer.from('hi').toString('base64'),
      isBase64Encoded: true,
    });
    expect(answer.body.toString()).toBe('hi');
  });

  it('answers 200 JSON with the whole result when it has no statusCode', () => {
    const answer = fromLambdaResult({ devices: [] });
    expect(answer).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(answer.body.toString()).toBe('{"devices":[]}');
    expect(fromLambdaResult('plain').body.toString()).toBe('plain');
  });

  it('answers an empty body when a structured result has none', () => {
    expect(fromLambdaResult({ statusCode: 204 }).body.length).toBe(0);
  });

  it('throws when the status code or the body is not valid', () => {
    expect(() => fromLambdaResult({ statusCode: 'x' })).toThrow();
    expect(() => fromLambdaResult({ statusCode: 999 })).toThrow();
    expect(() => fromLambdaResult({ statusCode: 200, body: { a: 1 } })).toThrow();
  });
});

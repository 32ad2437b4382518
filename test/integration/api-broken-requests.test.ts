import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { type ApiServer, startApiServer } from '../../local/api-server';
import type { ApiEvent } from '../../local/apigw-event';
import { mintDevToken } from '../../local/jwt';
import { API_GATEWAY_MAX_BODY_BYTES } from '../../shared/platform/http/json-body';

let server: ApiServer;
let token: string;
const seen: ApiEvent[] = [];

beforeAll(async () => {
  token = await mintDevToken('raw-user');
  server = await startApiServer({
    port: 0,
    log: () => undefined,
    routes: {
      'POST /echo/{id}': async (event: ApiEvent, context: Context) => {
        seen.push(event);
        return { id: event.pathParameters?.id, remaining: context.getRemainingTimeInMillis() > 0 };
      },
      'GET /boom': () => {
        throw new Error('secret detail');
      },
      'GET /bad-result': async () => ({ statusCode: 'nope' }),
      'GET /binary': async () => ({
        statusCode: 201,
        headers: { 'content-type': 'application/octet-stream' },
        cookies: ['a=1'],
        body: Buffer.from([1, 2, 3]).toString('base64'),
        isBase64Encoded: true,
      }),
    },
  });
});

afterAll(() => server.close());

/** Sends raw bytes and resolves with whatever the server answers before it closes the connection. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString();
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

describe('local API server: broken and odd requests', () => {
  it('answers 400 and keeps serving when the request line is garbage', async () => {
    expect(await raw('BLAH\r\n\r\n')).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
  });

  it('answers 431 when the headers are huge', async () => {
    const answer = await raw(`GET /boom HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
  });

  it('answers 400 when the target is not an absolute path or has broken percent-encoding', async () => {
    expect(await raw('GET http://example.com/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400/,
    );
    expect(await raw('POST /echo/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400/,
    );
  });

  it('survives a client that aborts in the middle of a body', async () => {
    await new Promise<void>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => {
        socket.write(
          `POST /echo/1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
    });
    const res = await fetch(`${server.url}/echo/2`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
  });

  it('answers 413 without calling the handler when the body is over 10 MB', async () => {
    const before = seen.length;
    const res = await fetch(`${server.url}/echo/big`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: 'x'.repeat(API_GATEWAY_MAX_BODY_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(seen.length).toBe(before);
  });

  it('answers a generic 500 without the error text when the handler throws or returns garbage', async () => {
    for (const path of ['/boom', '/bad-result']) {
      const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(JSON.parse(text)).toEqual({
        error: { code: 'internal_error', message: 'internal server error' },
      });
      expect(text).not.toContain('secret');
    }
  });

  it('maps a plain object to 200 JSON and hands the handler a v2 event with decoded parameters', async () => {
    const res = await fetch(`${server.url}/echo/a%20b?x=1&x=2`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, cookie: 'c=1; d=2', 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ id: 'a b', remaining: true });
    expect(seen.at(-1)).toMatchObject({
      version: '2.0',
      routeKey: 'POST /echo/{id}',
      rawPath: '/echo/a%20b',
      rawQueryString: 'x=1&x=2',
      queryStringParameters: { x: '1,2' },
      cookies: ['c=1', 'd=2'],
      body: 'hello',
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'POST', sourceIp: '127.0.0.1' },
        authorizer: { jwt: { claims: { sub: 'raw-user' } } },
      },
    });
  });

  it('decodes a base64 result and sets cookies when the handler returns them', async () => {
    const res = await fetch(`${server.url}/binary`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(201);
    expect(res.headers.get('set-cookie')).toBe('a=1');
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([1, 2, 3]);
  });
});

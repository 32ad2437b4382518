import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseFaults } from './faults';
import type { FcmSimulator } from './simulator-types';

/**
 * JSON control API over plain HTTP/1.1 on 127.0.0.1, in the APNs simulator's style:
 *   GET  /health                          → { ok: true }
 *   GET  /messages[?token=][&since=N]     → { messages: AcceptedMessage[], total } (since: after the first N)
 *   GET  /stats                           → SimulatorStats
 *   GET  /faults                          → { faults }
 *   POST /faults   { faults: [...] }      → replaces the fault list (a single fault object is accepted too)
 *   DELETE /faults                        → clears the fault list
 *   POST /tokens/:token/unregister        → later sends to it answer 404 UNREGISTERED
 *   POST /tokens/:token/register          → forgets what was said about the token
 *   POST /tokens/:token/project { projectId } → sends from other projects answer 403 SENDER_ID_MISMATCH
 *   POST /access-tokens/expire            → every issued access token expires now (next send: 401)
 *   POST /connections/drop                → destroys every client connection now (no GOAWAY)
 *   POST /settings { maxConcurrentStreams } → advertised on open and new connections
 *   POST /reset                           → clears messages, stats, faults and the token registry
 */
export async function startControlApi(
  simulator: FcmSimulator,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    route(simulator, request).then(
      ([status, body]) => reply(response, status, body),
      (error: unknown) =>
        reply(response, 400, { error: error instanceof Error ? error.message : 'bad request' }),
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TOKEN_ROUTE = /^\/tokens\/([A-Za-z0-9_:-]{1,4096})\/(register|unregister|project)$/;

async function route(simulator: FcmSimulator, request: IncomingMessage): Promise<[number, unknown]> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const key = `${request.method} ${url.pathname}`;
  switch (key) {
    case 'GET /health':
      return [200, { ok: true }];
    case 'GET /messages': {
      const all = simulator.messages();
      const since = Number(url.searchParams.get('since') ?? 0);
      const from = Number.isInteger(since) && since >= 0 && since <= all.length ? since : 0;
      const token = url.searchParams.get('token');
      const messages = all.slice(from).filter((message) => token === null || message.token === token);
      return [200, { messages, total: all.length }];
    }
    case 'GET /stats':
      return [200, simulator.stats()];
    case 'GET /faults':
      return [200, { faults: simulator.faults() }];
    case 'POST /faults': {
      const body = (await bodyOf(request)) as { faults?: unknown } | undefined;
      const faults = parseFaults(body !== undefined && 'faults' in body ? body.faults : body);
      simulator.setFaults(faults);
      return [200, { faults }];
    }
    case 'DELETE /faults':
      simulator.setFaults([]);
      return [200, { faults: [] }];
    case 'POST /connections/drop':
      simulator.dropConnections();
      return [200, { dropped: true }];
    case 'POST /access-tokens/expire':
      simulator.expireAccessTokens();
      return [200, { expired: true }];
    case 'POST /settings': {
      const value = ((await bodyOf(request)) as { maxConcurrentStreams?: unknown } | undefined)
        ?.maxConcurrentStreams;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
        throw new Error('maxConcurrentStreams must be a whole number of at least 1');
      simulator.setMaxConcurrentStreams(value);
      return [200, { maxConcurrentStreams: value }];
    }
    case 'POST /reset':
      simulator.reset();
      return [200, { ok: true }];
  }
  const match = request.method === 'POST' ? TOKEN_ROUTE.exec(url.pathname) : null;
  if (match === null) return [404, { error: `no route ${key}` }];
  const token = match[1] as string;
  if (match[2] === 'register') {
    simulator.registerToken(token);
    return [200, { token, registered: true }];
  }
  if (match[2] === 'unregister') {
    simulator.unregisterToken(token);
    return [200, { token, unregistered: true }];
  }
  const projectId = ((await bodyOf(request)) as { projectId?: unknown } | undefined)?.projectId;
  if (typeof projectId !== 'string' || projectId === '')
    throw new Error('projectId must be a non-empty string');
  simulator.assignTokenToProject(token, projectId);
  return [200, { token, projectId }];
}

async function bodyOf(request: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of request) text += (chunk as Buffer).toString('utf8');
  return text.trim() === '' ? undefined : JSON.parse(text);
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

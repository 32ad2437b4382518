import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseFaults } from './faults';
import type { ApnsSimulator } from './simulator-types';

/**
 * JSON control API over plain HTTP/1.1 on 127.0.0.1:
 *   GET  /health                      → { ok: true }
 *   GET  /pushes[?token=<hex>][&since=N] → { pushes: AcceptedPush[], total } (since: after the first N)
 *   GET  /stats                       → SimulatorStats
 *   GET  /faults                      → { faults }
 *   POST /faults   { faults: [...] }  → replaces the fault list (a single fault object is accepted too)
 *   DELETE /faults                    → clears the fault list
 *   POST /tokens/:token/unregister { timestamp? } → later pushes answer 410 Unregistered with that timestamp
 *   POST /tokens/:token/register      → the token is accepted again
 *   POST /settings { maxConcurrentStreams } → advertised on open and new connections
 *   POST /reset                       → clears pushes, stats, faults and tokens
 */
export async function startControlApi(
  simulator: ApnsSimulator,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    route(simulator, request)
      .then(([status, body]) => send(response, status, body))
      .catch((error: unknown) =>
        send(response, 400, { error: error instanceof Error ? error.message : 'bad request' }),
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

const TOKEN_ROUTE = /^\/tokens\/([0-9a-fA-F]+)\/(register|unregister)$/;

async function route(simulator: ApnsSimulator, request: IncomingMessage): Promise<[number, unknown]> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const key = `${request.method} ${url.pathname}`;
  switch (key) {
    case 'GET /health':
      return [200, { ok: true }];
    case 'GET /pushes': {
      const token = url.searchParams.get('token')?.toLowerCase();
      const all = simulator.pushes();
      // `since`: only the pushes after the first N (a poller's cursor); after a reset, all of them.
      const since = Number(url.searchParams.get('since') ?? 0);
      const from = Number.isInteger(since) && since >= 0 && since <= all.length ? since : 0;
      const pushes = all.slice(from);
      return [
        200,
        {
          pushes: token === undefined ? pushes : pushes.filter((push) => push.token === token),
          total: all.length,
        },
      ];
    }
    case 'GET /stats':
      return [200, simulator.stats()];
    case 'GET /faults':
      return [200, { faults: simulator.faults() }];
    case 'POST /faults': {
      const body = (await readJson(request)) as { faults?: unknown } | undefined;
      const faults = parseFaults(body !== undefined && 'faults' in body ? body.faults : body);
      simulator.setFaults(faults);
      return [200, { faults }];
    }
    case 'DELETE /faults':
      simulator.setFaults([]);
      return [200, { faults: [] }];
    case 'POST /settings': {
      const body = (await readJson(request)) as { maxConcurrentStreams?: unknown } | undefined;
      const value = body?.maxConcurrentStreams;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        throw new Error('maxConcurrentStreams must be a whole number of at least 1');
      }
      simulator.setMaxConcurrentStreams(value);
      return [200, { maxConcurrentStreams: value }];
    }
    case 'POST /reset':
      simulator.reset();
      return [200, { ok: true }];
  }
  const tokenRoute = request.method === 'POST' ? TOKEN_ROUTE.exec(url.pathname) : null;
  if (tokenRoute !== null) {
    const token = tokenRoute[1] as string;
    if (tokenRoute[2] === 'register') {
      simulator.registerToken(token);
      return [200, { token, registered: true }];
    }
    const body = (await readJson(request)) as { timestamp?: unknown } | undefined;
    const timestamp = typeof body?.timestamp === 'number' ? body.timestamp : Date.now();
    simulator.unregisterToken(token, timestamp);
    return [200, { token, unregisteredAt: timestamp }];
  }
  return [404, { error: `no route ${key}` }];
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text === '' ? undefined : JSON.parse(text);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

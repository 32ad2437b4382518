/**
 * The local API Gateway: a `node:http` server on loopback that matches routes, checks the bearer JWT
 * like the HTTP API's JWT authorizer, and calls the same Lambda handlers as AWS with a payload 2.0 event.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Context } from 'aws-lambda';
import { API_GATEWAY_MAX_BODY_BYTES } from '../shared/platform/http/json-body';
import {
  type ApiEvent,
  BadRequestError,
  type CompiledRoute,
  compileRoutes,
  fromLambdaResult,
  type HttpAnswer,
  matchCompiledRoute,
  newRequestId,
  splitTarget,
  toApiGatewayEvent,
} from './apigw-event';
import { type BearerCheck, createBearerVerifier, type LocalSigningKey, loadLocalSigningKey } from './jwt';
import { lambdaContext } from './lambda-runtime';

/** A Lambda handler behind an HTTP API route (promise style, as on Node.js 22). */
export type HttpLambdaHandler = (event: ApiEvent, context: Context) => unknown;

/** Route key (`PUT /v1/devices/{deviceId}`) → the handler API Gateway integrates it with. */
export type ApiRoutes = Readonly<Record<string, HttpLambdaHandler>>;

export type LogFn = (level: 'info' | 'error', message: string, data: Record<string, unknown>) => void;

export interface ApiServerOptions {
  readonly routes: ApiRoutes;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default the `.local/jwt` key */
  readonly signingKey?: LocalSigningKey;
  /** @default errors as JSON lines on stderr, no access log */
  readonly log?: LogFn;
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** API Gateway's integration timeout. */
const INTEGRATION_TIMEOUT_MS = 30_000;

const defaultLog: LogFn = (level, message, data) => {
  if (level === 'error') process.stderr.write(`${JSON.stringify({ level, message, ...data })}\n`);
};

function errorAnswer(
  statusCode: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): HttpAnswer {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...extra },
    cookies: [],
    body: Buffer.from(JSON.stringify({ error: { code, message } })),
  };
}

function send(res: ServerResponse, answer: HttpAnswer, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = answer.statusCode;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  if (answer.cookies.length > 0) res.setHeader('set-cookie', [...answer.cookies]);
  res.setHeader('apigw-requestid', requestId);
  res.setHeader('content-length', answer.body.length);
  res.end(answer.body);
}

/** Reads the body, or undefined (with the request's remainder ignored) once it passes the limit. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > API_GATEWAY_MAX_BODY_BYTES) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > API_GATEWAY_MAX_BODY_BYTES) {
        chunks.length = 0;
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const functionNames = new Map<string, string>();

function functionNameOf(routeKey: string): string {
  let name = functionNames.get(routeKey);
  if (name === undefined) {
    name = `voip-push-local-${routeKey.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}`;
    functionNames.set(routeKey, name);
  }
  return name;
}

async function invoke(handler: HttpLambdaHandler, event: ApiEvent, context: Context): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('integration timed out')), INTEGRATION_TIMEOUT_MS);
  });
  try {
    return await Promise.race([Promise.resolve(handler(event, context)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What stays the same for every request while the server runs. */
interface ServerState {
  readonly routes: ApiRoutes;
  readonly compiledRoutes: readonly CompiledRoute[];
  readonly verify: (authorization: string | undefined) => Promise<BearerCheck>;
  readonly log: LogFn;
  port: number;
}

async function answer(req: IncomingMessage, state: ServerState, requestId: string): Promise<HttpAnswer> {
  const { log, port } = state;
  const method = req.method ?? 'GET';
  let route: ReturnType<typeof matchCompiledRoute>;
  let rawPath: string;
  try {
    rawPath = splitTarget(req.url ?? '').rawPath;
    route = matchCompiledRoute(state.compiledRoutes, method, rawPath);
  } catch (error) {
    req.resume();
    if (error instanceof BadRequestError) return errorAnswer(400, 'invalid_request', error.message);
    throw error;
  }
  if (!route) {
    req.resume();
    return errorAnswer(404, 'not_found', `no route for ${method} ${rawPath}`);
  }
  const body = await readBody(req);
  if (body === undefined)
    return errorAnswer(413, 'payload_too_large', 'request body exceeds 10 MB', { connection: 'close' });
  const auth = await state.verify(req.headers.authorization);
  if (!auth.ok) return errorAnswer(401, 'unauthorized', auth.message, { 'www-authenticate': 'Bearer' });
  const event = toApiGatewayEvent(
    {
      method,
      url: req.url ?? '/',
      protocol: `HTTP/${req.httpVersion}`,
      rawHeaders: req.rawHeaders,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      body,
    },
    { route, claims: auth.claims, requestId, port },
  );
  const handler = state.routes[route.routeKey] as HttpLambdaHandler;
  try {
    return fromLambdaResult(
      await invoke(
        handler,
        event,
        lambdaContext({
          functionName: functionNameOf(route.routeKey),
          timeoutMs: INTEGRATION_TIMEOUT_MS,
          memoryLimitInMB: '256',
          logStreamName: `local/${requestId}`,
        }),
      ),
    );
  } catch (error) {
    log('error', 'handler failed', { requestId, routeKey: route.routeKey, error: String(error) });
    return errorAnswer(500, 'internal_error', 'internal server error');
  }
}

/** Starts the local API on 127.0.0.1:`port` and resolves once it listens. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const key = options.signingKey ?? (await loadLocalSigningKey());
  const log = options.log ?? defaultLog;
  const sockets = new Set<Socket>();
  // Routes are compiled and the key fixed once: the JWT cache below relies on the key, issuer and
  // audience never changing while the server runs.
  const state: ServerState = {
    routes: options.routes,
    compiledRoutes: compileRoutes(Object.keys(options.routes)),
    verify: createBearerVerifier(key),
    log,
    port: 0,
  };
  const server = createServer({ requestTimeout: 60_000 }, (req, res) => {
    const started = Date.now();
    const requestId = newRequestId();
    answer(req, state, requestId)
      .catch((error: unknown) => {
        log('error', 'request failed', { requestId, error: String(error) });
        return errorAnswer(500, 'internal_error', 'internal server error');
      })
      .then((result) => {
        send(res, result, requestId);
        log('info', 'request', {
          requestId,
          method: req.method,
          path: splitTargetSafe(req.url),
          statusCode: result.statusCode,
          durationMs: Date.now() - started,
        });
      });
  });
  // Broken requests (bad request line, headers too large, aborted) never reach the handler or crash us.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const body = JSON.stringify({ error: { code: 'invalid_request', message: 'malformed HTTP request' } });
    socket.end(
      `HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  state.port = port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function splitTargetSafe(url: string | undefined): string {
  try {
    return splitTarget(url ?? '/').rawPath;
  } catch {
    return '?';
  }
}

import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  constants,
  createSecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import { startControlApi } from './control-api';
import { devFcmKeyPaths, devSimulatedServiceAccount } from './dev-credentials';
import { type Fault, FaultPlan } from './faults';
import { errorBody, fcmRejection, type Rejection } from './fcm-errors';
import { type CheckedMessage, checkSendBody, checkSendTarget } from './message-checks';
import { OAuthIssuer, type TokenHolder } from './oauth';
import type { AcceptedMessage, FcmSimulator, FcmSimulatorOptions, SimulatorStats } from './simulator-types';

export type { Fault } from './faults';
export type { SimulatedServiceAccount } from './oauth';
export type { AcceptedMessage, FcmSimulator, FcmSimulatorOptions, SimulatorStats } from './simulator-types';

type Request = Http2ServerRequest | IncomingMessage;
type Response = Http2ServerResponse | ServerResponse;

/** One request as the handlers see it, HTTP/2 or HTTP/1.1. */
interface Call {
  readonly request: Request;
  readonly response: Response;
  readonly protocol: 'h2' | 'http/1.1';
  /** HTTP/2 only. */
  readonly stream: ServerHttp2Stream | undefined;
  readonly session: SessionState | undefined;
  readonly body: Buffer;
}

interface SessionState {
  open: number;
  lastProcessedId: number;
  goawayLastId: number;
}

type Accepted = CheckedMessage & { readonly projectId: string; readonly holder: TokenHolder };

const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPE = 'application/json; charset=UTF-8';

const emptyStats = (): SimulatorStats => ({
  requests: 0,
  tokenRequests: 0,
  accessTokensIssued: 0,
  connections: 0,
  protocols: {},
  maxOpenStreams: 0,
  answers: {},
  faults: {},
});
const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * Starts an HTTP/2 + TLS server on 127.0.0.1 that answers `POST /v1/projects/<p>/messages:send` and an
 * OAuth token endpoint (`POST /token`) like Google. HTTP/1.1 is served too, as Google does (firebase-admin's
 * `send()` and token requests use it).
 */
export async function startFcmSimulator(options: FcmSimulatorOptions = {}): Promise<FcmSimulator> {
  const caPem = readFileSync(devFcmKeyPaths.caCertificate, 'utf8');
  const oauth = new OAuthIssuer(
    options.serviceAccounts ?? [devSimulatedServiceAccount()],
    options.accessTokenLifetimeSeconds ?? 3599,
  );
  const latencyMs = options.latencyMs ?? 0;
  const record = options.recordMessages ?? true;
  const faults = new FaultPlan();
  const unregistered = new Set<string>();
  const owners = new Map<string, string>();
  const states = new WeakMap<ServerHttp2Session, SessionState>();
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Map<number, Socket>();
  let messages: AcceptedMessage[] = [];
  let maxConcurrentStreams = options.maxConcurrentStreams ?? 100;
  let stats = emptyStats();
  let sequence = 0;

  const server = createSecureServer(
    {
      key: options.serverKey ?? readFileSync(devFcmKeyPaths.serverKey, 'utf8'),
      cert: options.serverCertificate ?? readFileSync(devFcmKeyPaths.serverCertificate, 'utf8'),
      allowHTTP1: true,
      settings: {
        maxConcurrentStreams,
        ...(options.initialWindowSize === undefined ? {} : { initialWindowSize: options.initialWindowSize }),
      },
    },
    (request, response) => receive(request, response),
  );
  server.on('connection', (socket: Socket) => {
    if (!faults.empty && faults.decide('connection').fault !== undefined) {
      bump(stats.faults, 'tls-failure');
      socket.destroy();
      return;
    }
    stats.connections++;
    const port = socket.remotePort ?? 0;
    sockets.set(port, socket);
    socket.once('close', () => sockets.delete(port));
  });
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    states.set(session, { open: 0, lastProcessedId: 0, goawayLastId: -1 });
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });
  server.on('sessionError', () => {});
  server.on('tlsClientError', () => {});

  /** Reads the body of any request (HTTP/2 through the compatibility API, or HTTP/1.1), then routes it. */
  function receive(request: Request, response: Response): void {
    const stream = request.httpVersionMajor === 2 ? (request as Http2ServerRequest).stream : undefined;
    const session = stream === undefined ? undefined : states.get(stream.session as ServerHttp2Session);
    if (stream !== undefined && session !== undefined) {
      if (session.goawayLastId >= 0 && (stream.id ?? 0) > session.goawayLastId) {
        stream.close(constants.NGHTTP2_REFUSED_STREAM);
        return;
      }
      session.open++;
      if (session.open > stats.maxOpenStreams) stats.maxOpenStreams = session.open;
      stream.once('close', () => session.open--);
      stream.on('error', () => {});
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.once('end', () => {
      const protocol = stream === undefined ? 'http/1.1' : 'h2';
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const call: Call = { request, response, protocol, stream, session, body };
      if (bytes > MAX_BODY_BYTES) {
        answerError(
          call,
          fcmRejection(undefined, { status: 413, message: 'Request payload size exceeds the limit.' }),
        );
      } else if ((request.url ?? '').split('?')[0] === '/token') {
        void token(call);
      } else {
        send(call);
      }
    });
  }

  async function token(call: Call): Promise<void> {
    stats.tokenRequests++;
    const { fault } = faults.empty ? { fault: undefined } : faults.decide('token');
    if (fault?.kind === 'token-hang') {
      bump(stats.faults, fault.kind);
      return;
    }
    if (fault?.kind === 'token-answer') {
      bump(stats.faults, fault.kind);
      const body = {
        error: fault.error,
        ...(fault.description ? { error_description: fault.description } : {}),
      };
      writeJson(call, fault.status, JSON.stringify(body));
      return;
    }
    if (call.request.method !== 'POST') {
      writeJson(call, 405, JSON.stringify({ error: 'invalid_request', error_description: 'POST only' }));
      return;
    }
    const answer = await oauth.grant(call.body.toString('utf8'), Date.now());
    if (answer.status === 200) stats.accessTokensIssued++;
    writeJson(call, answer.status, JSON.stringify(answer.body));
  }

  function send(call: Call): void {
    stats.requests++;
    bump(stats.protocols, call.protocol);
    const decision = faults.empty ? undefined : faults.decide('send');
    const fault = decision?.fault;
    if (fault?.kind === 'goaway') {
      goaway(call, fault);
      return;
    }
    const id = call.stream?.id ?? 0;
    if (call.session !== undefined && id > call.session.lastProcessedId) call.session.lastProcessedId = id;
    const delay = latencyMs + (decision?.delayMs ?? 0);
    const act = (): void => (fault === undefined ? respond(call, judge(call)) : applyFault(call, fault));
    if (delay > 0) setTimeout(act, delay);
    else act();
  }

  /** FCM's checks, in order: path, access token, project, message, the token registry. */
  function judge(call: Call): Accepted | Rejection {
    const projectId = checkSendTarget(call.request.method, call.request.url ?? '');
    if (typeof projectId !== 'string') return projectId;
    const holder = oauth.holderOf(call.request.headers.authorization, Date.now());
    if ('status' in holder) return holder;
    if (holder.projectId !== projectId) {
      return fcmRejection(undefined, {
        status: 403,
        message: `Permission 'cloudmessaging.messages.create' denied on resource '//cloudresourcemanager.googleapis.com/projects/${projectId.slice(0, 64)}' (or it may not exist).`,
      });
    }
    const checked = checkSendBody(call.body);
    if ('status' in checked) return checked;
    if (unregistered.has(checked.token)) return fcmRejection('UNREGISTERED');
    const owner = owners.get(checked.token);
    if (owner !== undefined && owner !== projectId) return fcmRejection('SENDER_ID_MISMATCH');
    return { ...checked, projectId, holder };
  }

  function respond(call: Call, verdict: Accepted | Rejection): void {
    if ('status' in verdict) {
      answerError(call, verdict);
      return;
    }
    const name = accept(call, verdict, false);
    bump(stats.answers, '200 OK');
    writeJson(call, 200, JSON.stringify({ name }));
  }

  /** Records the message (unless validate_only) and returns its name. */
  function accept(call: Call, verdict: Accepted, droppedAfterAccept: boolean): string {
    const id = verdict.validateOnly
      ? 'fake_message_id'
      : `0:${Date.now()}%${(++sequence).toString(16).padStart(16, '0')}`;
    const name = `projects/${verdict.projectId}/messages/${id}`;
    if (record && !verdict.validateOnly) {
      messages.push({
        name,
        projectId: verdict.projectId,
        token: verdict.token,
        message: verdict.message,
        clientEmail: verdict.holder.clientEmail,
        protocol: call.protocol,
        receivedAt: Date.now(),
        ...(droppedAfterAccept ? { droppedAfterAccept: true as const } : {}),
      });
    }
    return name;
  }

  function applyFault(call: Call, fault: Fault): void {
    switch (fault.kind) {
      case 'answer':
        bump(stats.faults, fault.kind);
        answerError(call, fcmRejection(fault.errorCode, fault));
        return;
      case 'reset':
        bump(stats.faults, fault.kind);
        if (call.stream === undefined) call.request.socket.destroy();
        else if (!call.stream.closed) call.stream.close(fault.errorCode ?? constants.NGHTTP2_INTERNAL_ERROR);
        return;
      case 'drop-connection': {
        const when = fault.when ?? 'before-accept';
        bump(stats.faults, `${fault.kind}:${when}`);
        if (when === 'after-accept') {
          const verdict = judge(call);
          if (!('status' in verdict)) accept(call, verdict, true);
        }
        const port = (call.stream?.session?.socket ?? call.request.socket).remotePort ?? -1;
        sockets.get(port)?.destroy();
        return;
      }
      case 'hang':
        bump(stats.faults, fault.kind);
        return;
      default:
        return;
    }
  }

  /** GOAWAY naming the last stream processed; this request and later ones are refused. HTTP/1.1: the connection closes. */
  function goaway(call: Call, fault: Fault & { kind: 'goaway' }): void {
    bump(stats.faults, 'goaway');
    const { stream, session } = call;
    if (stream === undefined || session === undefined) {
      call.request.socket.destroy();
      return;
    }
    session.goawayLastId = session.lastProcessedId;
    const debug = Buffer.from(fault.debug ?? 'simulated GOAWAY');
    stream.session?.goaway(fault.errorCode ?? constants.NGHTTP2_NO_ERROR, session.goawayLastId, debug);
    stream.close(constants.NGHTTP2_REFUSED_STREAM);
  }

  function answerError(call: Call, rejection: Rejection): void {
    bump(stats.answers, `${rejection.status} ${rejection.errorCode ?? rejection.grpcStatus}`);
    const headers: Record<string, string> = {};
    if (rejection.retryAfter !== undefined) headers['retry-after'] = String(rejection.retryAfter);
    writeJson(call, rejection.status, errorBody(rejection), headers);
  }

  function writeJson(call: Call, status: number, body: string, headers: Record<string, string> = {}): void {
    const { response, stream } = call;
    if (response.writableEnded || stream?.destroyed === true || call.request.socket?.destroyed === true)
      return;
    try {
      // The two response types share these calls but not one signature.
      (response as ServerResponse).writeHead(status, { 'content-type': JSON_TYPE, ...headers });
      response.end(body);
    } catch {
      // The client cancelled the stream in between (a timeout): nobody is left to answer.
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const tokenUrl = `${url}/token`;
  oauth.audiences.add(tokenUrl);
  oauth.audiences.add(`https://localhost:${port}/token`);

  const simulator: FcmSimulator = {
    url,
    tokenUrl,
    controlUrl: undefined,
    caPem,
    messages: () => [...messages],
    stats: () => structuredClone(stats),
    setFaults: (list) => faults.set(list),
    faults: () => faults.list(),
    setMaxConcurrentStreams: (value) => {
      maxConcurrentStreams = value;
      server.updateSettings({ maxConcurrentStreams: value });
      for (const session of sessions) session.settings({ maxConcurrentStreams: value });
    },
    unregisterToken: (token) => {
      unregistered.add(token);
    },
    registerToken: (token) => {
      unregistered.delete(token);
      owners.delete(token);
    },
    assignTokenToProject: (token, projectId) => {
      unregistered.delete(token);
      owners.set(token, projectId);
    },
    expireAccessTokens: () => oauth.expireAll(),
    dropConnections: () => {
      for (const socket of sockets.values()) socket.destroy();
    },
    reset: () => {
      messages = [];
      stats = emptyStats();
      faults.set([]);
      unregistered.clear();
      owners.clear();
    },
    close: async () => {
      await control?.close();
      for (const session of sessions) session.destroy();
      for (const socket of sockets.values()) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const control =
    options.controlPort === false ? undefined : await startControlApi(simulator, options.controlPort ?? 0);
  return control === undefined ? simulator : { ...simulator, controlUrl: control.url };
}

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  constants,
  createSecureServer,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type AuthRules, type ConnectionAuthState, checkAuth, newAuthState } from './auth-check';
import { startControlApi } from './control-api';
import { DEV_KEY_ID, DEV_TEAM_ID, devKeyPaths } from './dev-credentials';
import { FaultPlan, type TerminalFault } from './faults';
import { ProviderTokenChecker } from './provider-token-check';
import { checkHeaders, checkPayload, checkTarget, type Rejection } from './request-checks';
import type { AcceptedPush, ApnsSimulator, ApnsSimulatorOptions, SimulatorStats } from './simulator-types';

export type { Fault } from './faults';
export type { TrustedSigningKey } from './provider-token-check';
export type { AcceptedPush, ApnsSimulator, ApnsSimulatorOptions, SimulatorStats } from './simulator-types';

interface ConnectionState extends ConnectionAuthState {
  open: number;
  lastProcessedId: number;
  goawayLastId: number;
}

const emptyStats = (): SimulatorStats => ({
  requests: 0,
  connections: 0,
  maxOpenStreams: 0,
  answers: {},
  faults: {},
  pings: 0,
});
const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Starts an HTTP/2 + TLS server on 127.0.0.1 that checks and answers push requests like APNs. */
export async function startApnsSimulator(options: ApnsSimulatorOptions = {}): Promise<ApnsSimulator> {
  const caPem = readFileSync(devKeyPaths.caCertificate, 'utf8');
  const rules: AuthRules = {
    checker: new ProviderTokenChecker(
      options.signingKeys ?? [
        {
          teamId: DEV_TEAM_ID,
          keyId: DEV_KEY_ID,
          publicKey: readFileSync(devKeyPaths.tokenPublicKey, 'utf8'),
        },
      ],
    ),
    tokenMaxAgeMs: options.tokenMaxAgeMs ?? 3_600_000,
    tokenMinUpdateIntervalMs: options.tokenMinUpdateIntervalMs ?? 1_200_000,
  };
  const bundles = options.bundles === undefined ? undefined : new Set(options.bundles);
  const latencyMs = options.latencyMs ?? 0;
  const record = options.recordPushes ?? true;
  const faults = new FaultPlan();
  const unregistered = new Map<string, number>();
  const states = new WeakMap<ServerHttp2Session, ConnectionState>();
  const sessions = new Set<ServerHttp2Session>();
  const sockets = new Map<number, Socket>();
  let pushes: AcceptedPush[] = [];
  let maxConcurrentStreams = options.maxConcurrentStreams ?? 1000;
  let stats = emptyStats();

  const server = createSecureServer({
    key: options.serverKey ?? readFileSync(devKeyPaths.serverKey, 'utf8'),
    cert: options.serverCertificate ?? readFileSync(devKeyPaths.serverCertificate, 'utf8'),
    ca: options.clientCa ?? caPem,
    requestCert: true,
    rejectUnauthorized: false,
    allowHTTP1: false,
    settings: { maxConcurrentStreams },
  });

  server.on('connection', (socket: Socket) => {
    if (!faults.empty && faults.failConnection()) {
      bump(stats.faults, 'tls-failure');
      socket.destroy();
      return;
    }
    const port = socket.remotePort ?? 0;
    sockets.set(port, socket);
    socket.once('close', () => sockets.delete(port));
  });
  server.on('session', (session: ServerHttp2Session) => {
    stats.connections++;
    sessions.add(session);
    states.set(session, { ...newAuthState(), open: 0, lastProcessedId: 0, goawayLastId: -1 });
    session.on('error', () => {});
    session.on('ping', () => {
      stats.pings++;
    });
    session.once('close', () => sessions.delete(session));
  });
  server.on('sessionError', () => {});
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const state = states.get(stream.session as ServerHttp2Session);
    if (state === undefined) return;
    stats.requests++;
    state.open++;
    if (state.open > stats.maxOpenStreams) stats.maxOpenStreams = state.open;
    stream.on('error', () => {});
    stream.once('close', () => state.open--);
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () =>
      handle(stream, headers, state, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
  });

  function answer(
    stream: ServerHttp2Stream,
    status: number,
    reason: string,
    apnsId: string,
    timestamp?: number,
  ): void {
    if (stream.destroyed || stream.closed) return;
    bump(stats.answers, `${status} ${reason}`);
    if (status === 200) {
      stream.respond(
        { ':status': 200, 'apns-id': apnsId, 'apns-unique-id': randomUUID() },
        { endStream: true },
      );
      return;
    }
    stream.respond({ ':status': status, 'apns-id': apnsId, 'content-type': 'application/json' });
    stream.end(JSON.stringify(timestamp === undefined ? { reason } : { reason, timestamp }));
  }

  function handle(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    state: ConnectionState,
    payload: Buffer,
  ): void {
    const id = stream.id ?? 0;
    if (state.goawayLastId >= 0 && id > state.goawayLastId) {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    const decision = faults.empty ? undefined : faults.decide();
    if (decision?.fault?.kind === 'goaway') {
      goaway(stream, state, decision.fault);
      return;
    }
    if (id > state.lastProcessedId) state.lastProcessedId = id;
    const requestId = headers['apns-id'];
    const apnsId = typeof requestId === 'string' ? requestId : randomUUID();
    const verdict = decision?.fault ?? judge(stream, headers, state, payload);
    const delay = latencyMs + (decision?.delayMs ?? 0);
    if (delay > 0) setTimeout(() => respond(stream, headers, verdict, apnsId, payload), delay);
    else respond(stream, headers, verdict, apnsId, payload);
  }

  /** The APNs checks, in order: target, headers, auth, payload, token registration. */
  function judge(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    state: ConnectionState,
    payload: Buffer,
  ): Rejection | { token: string; auth: 'token' | 'certificate' } {
    const token = checkTarget(headers);
    if (typeof token !== 'string') return token;
    const headerRejection = checkHeaders(headers, bundles);
    if (headerRejection !== undefined) return headerRejection;
    const socket = stream.session?.socket as TLSSocket | undefined;
    const auth = checkAuth(headers, state, socket, rules, Date.now());
    if (typeof auth !== 'string') return auth;
    const payloadRejection = checkPayload(String(headers['apns-push-type']), payload);
    if (payloadRejection !== undefined) return payloadRejection;
    return { token, auth };
  }

  function respond(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    verdict: TerminalFault | Rejection | { token: string; auth: 'token' | 'certificate' },
    apnsId: string,
    payload: Buffer,
  ): void {
    if ('kind' in verdict) {
      applyFault(stream, verdict, apnsId);
    } else if ('reason' in verdict) {
      answer(stream, verdict.status, verdict.reason, apnsId);
    } else {
      const deadSince = unregistered.get(verdict.token);
      if (deadSince !== undefined) {
        answer(stream, 410, 'Unregistered', apnsId, deadSince);
        return;
      }
      if (record) pushes.push(acceptedPush(verdict.token, verdict.auth, headers, apnsId, payload));
      answer(stream, 200, 'OK', apnsId);
    }
  }

  function applyFault(stream: ServerHttp2Stream, fault: TerminalFault, apnsId: string): void {
    bump(stats.faults, fault.kind);
    switch (fault.kind) {
      case 'answer':
        answer(stream, fault.status, fault.reason, apnsId, fault.timestamp);
        return;
      case 'reset':
        if (!stream.closed) stream.close(fault.errorCode ?? constants.NGHTTP2_INTERNAL_ERROR);
        return;
      case 'drop-connection':
        sockets.get(stream.session?.socket.remotePort ?? -1)?.destroy();
        return;
      case 'hang':
      case 'goaway':
        return;
    }
  }

  /** GOAWAY naming the last stream processed; this request and later streams are refused. */
  function goaway(
    stream: ServerHttp2Stream,
    state: ConnectionState,
    fault: TerminalFault & { kind: 'goaway' },
  ): void {
    bump(stats.faults, 'goaway');
    state.goawayLastId = state.lastProcessedId;
    const data = Buffer.from(JSON.stringify({ reason: fault.reason ?? 'Shutdown' }));
    stream.session?.goaway(fault.errorCode ?? constants.NGHTTP2_NO_ERROR, state.goawayLastId, data);
    stream.close(constants.NGHTTP2_REFUSED_STREAM);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const simulator: ApnsSimulator = {
    url,
    controlUrl: undefined,
    caPem,
    pushes: () => [...pushes],
    stats: () => structuredClone(stats),
    setFaults: (list) => faults.set(list),
    setMaxConcurrentStreams: (value) => {
      maxConcurrentStreams = value;
      server.updateSettings({ maxConcurrentStreams: value });
      for (const session of sessions) session.settings({ maxConcurrentStreams: value });
    },
    faults: () => faults.list(),
    registerToken: (token) => {
      unregistered.delete(token.toLowerCase());
    },
    unregisterToken: (token, timestampMs = Date.now()) => {
      unregistered.set(token.toLowerCase(), timestampMs);
    },
    reset: () => {
      pushes = [];
      stats = emptyStats();
      faults.set([]);
      unregistered.clear();
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

function acceptedPush(
  token: string,
  auth: 'token' | 'certificate',
  headers: IncomingHttpHeaders,
  apnsId: string,
  payload: Buffer,
): AcceptedPush {
  const apnsHeaders: Record<string, string> = { 'apns-id': apnsId };
  for (const name in headers) {
    if (name.startsWith('apns-')) apnsHeaders[name] = String(headers[name]);
  }
  const text = payload.toString('utf8');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // APNs does not parse payloads for us either: keep the text.
  }
  return { token, headers: apnsHeaders, payload: parsed, auth, receivedAt: Date.now() };
}

import type { IncomingHttpHeaders } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import type { ProviderTokenChecker } from './provider-token-check';
import { bundleOfTopic, type Rejection } from './request-checks';

/** What the simulator remembers per HTTP/2 connection to check auth like APNs. */
export interface ConnectionAuthState {
  /** The last accepted JWT on this connection, its iat, and when it was adopted (ms). */
  jwt: string | undefined;
  jwtIssuedAtMs: number;
  jwtAdoptedAtMs: number;
  /** Client certificate: undefined until first looked at; null when none was sent. */
  certificate: { readonly trusted: boolean; readonly names: readonly string[] } | null | undefined;
}

export interface AuthRules {
  readonly checker: ProviderTokenChecker;
  /** A JWT older than this answers ExpiredProviderToken. */
  readonly tokenMaxAgeMs: number;
  /** A connection that changes its JWT sooner than this after the last change answers 429. */
  readonly tokenMinUpdateIntervalMs: number;
}

export function newAuthState(): ConnectionAuthState {
  return { jwt: undefined, jwtIssuedAtMs: 0, jwtAdoptedAtMs: 0, certificate: undefined };
}

/** Token auth when an authorization header is present, else the TLS client certificate. */
export function checkAuth(
  headers: IncomingHttpHeaders,
  state: ConnectionAuthState,
  socket: TLSSocket | undefined,
  rules: AuthRules,
  now: number,
): 'token' | 'certificate' | Rejection {
  const authorization = headers.authorization;
  if (authorization === undefined) return checkCertificate(headers, state, socket);
  if (!authorization.startsWith('bearer ')) return { status: 403, reason: 'InvalidProviderToken' };
  const jwt = authorization.slice(7);
  if (jwt !== state.jwt) {
    const verified = rules.checker.verify(jwt);
    if ('reason' in verified) return verified;
    if (now - verified.issuedAtMs > rules.tokenMaxAgeMs)
      return { status: 403, reason: 'ExpiredProviderToken' };
    if (state.jwt !== undefined && now - state.jwtAdoptedAtMs < rules.tokenMinUpdateIntervalMs) {
      return { status: 429, reason: 'TooManyProviderTokenUpdates' };
    }
    state.jwt = jwt;
    state.jwtIssuedAtMs = verified.issuedAtMs;
    state.jwtAdoptedAtMs = now;
  }
  if (now - state.jwtIssuedAtMs > rules.tokenMaxAgeMs) return { status: 403, reason: 'ExpiredProviderToken' };
  return 'token';
}

function checkCertificate(
  headers: IncomingHttpHeaders,
  state: ConnectionAuthState,
  socket: TLSSocket | undefined,
): 'certificate' | Rejection {
  if (state.certificate === undefined) state.certificate = readCertificate(socket);
  const certificate = state.certificate;
  if (certificate === null || certificate === undefined)
    return { status: 403, reason: 'MissingProviderToken' };
  const topic = String(headers['apns-topic']);
  const bundle = bundleOfTopic(String(headers['apns-push-type']), topic);
  const { trusted, names } = certificate;
  if (!trusted || !(names.includes(topic) || names.includes(bundle))) {
    return { status: 403, reason: 'BadCertificate' };
  }
  return 'certificate';
}

/** The client certificate's trust (issued by the configured CA) and the bundle ids its subject names. */
function readCertificate(socket: TLSSocket | undefined): ConnectionAuthState['certificate'] {
  const peer = socket?.getPeerCertificate();
  if (socket === undefined || peer === undefined || Object.keys(peer).length === 0) return null;
  const { UID, CN } = peer.subject as unknown as Record<string, string | string[] | undefined>;
  const names = [UID, CN]
    .flat()
    .filter((name): name is string => typeof name === 'string')
    .map((name) => name.replace(/^.*:\s*/, ''));
  return { trusted: socket.authorized, names };
}

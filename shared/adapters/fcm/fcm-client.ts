import { createHash } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import type { FcmCredential, FcmServiceAccount } from '../../domain/fcm-credential';
import type { FcmMessage } from '../../domain/fcm-message';
import { DeadlineQueue } from '../apns/deadline-queue';
import { type AccessTokenOptions, AccessTokenSource } from './access-token';
import { FcmConnection } from './fcm-connection';
import { type FcmTarget, fcmTarget } from './fcm-endpoint';
import { type AccountEntry, type ExchangeRouter, FcmExchange } from './fcm-exchange';
import type { FcmOutcome, FcmSender } from './fcm-outcome';
import { httpsGrantRequest, TokenRequestError } from './token-request';

export interface FcmClientOptions {
  /** `https://host:port` (the simulator), or `production` for https://fcm.googleapis.com. @default production */
  readonly endpoint?: string;
  /** Extra CA (PEM) trusted besides the system roots, for the FCM endpoint and every token_uri. */
  readonly ca?: string | Buffer;
  /** FCM's answer, from the request's submission. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
  /** The token endpoint's answer. @default 5000 */
  readonly tokenRequestTimeoutMs?: number;
  /** Most requests open at once on one session, whatever the peer allows. @default 1000 */
  readonly maxInFlight?: number;
  /** Access-token caching (refresh margin, clock). */
  readonly accessToken?: AccessTokenOptions;
}

/**
 * The project's FCM HTTP v1 transport: `messages:send` over `node:http2`, one long-lived session per
 * (project, host), an OAuth access token per service account, cached and renewed once on a 401.
 * Build it once at module scope so sessions and tokens survive warm invocations.
 */
export class FcmClient implements FcmSender, ExchangeRouter {
  private readonly byObject = new WeakMap<FcmServiceAccount, AccountEntry>();
  private readonly tokenSources = new Map<string, AccessTokenSource>();
  private readonly connections = new Map<string, FcmConnection>();
  private readonly target: FcmTarget;
  private readonly ca: string[] | undefined;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly tokenRequestTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly tokenOptions: AccessTokenOptions | undefined;
  private readonly deadlines: DeadlineQueue;
  private closed = false;

  constructor(options: FcmClientOptions = {}) {
    this.target = fcmTarget(options.endpoint);
    this.ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca.toString()];
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.tokenRequestTimeoutMs = options.tokenRequestTimeoutMs ?? 5000;
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1000);
    this.tokenOptions = options.accessToken;
    this.deadlines = new DeadlineQueue(this.requestTimeoutMs);
  }

  async send(credential: FcmCredential, message: FcmMessage): Promise<FcmOutcome> {
    const startedAt = performance.now();
    if (this.closed) return closedOutcome(startedAt);
    let entry: AccountEntry;
    try {
      entry = this.entryFor(credential.serviceAccount);
    } catch {
      // Only an unreadable private_key gets here; parseFcmCredential rejects those before.
      const error = new TokenRequestError('the service account private_key is not readable', false);
      return tokenErrorOutcome(error, startedAt);
    }
    let accessToken = entry.tokens.current();
    if (accessToken === undefined) {
      try {
        accessToken = await entry.tokens.get();
      } catch (error) {
        return tokenErrorOutcome(error, startedAt);
      }
    }
    const payload = JSON.stringify({ message });
    return new Promise((resolve) => {
      this.submit(new FcmExchange(this, entry, payload, accessToken, resolve, startedAt, false));
    });
  }

  /** Closes every session (open streams get `requestTimeoutMs` to finish); later sends fail as `closed`. */
  async close(): Promise<void> {
    this.closed = true;
    const closing = [...this.connections.values()].map((connection) =>
      connection.close(this.requestTimeoutMs),
    );
    this.connections.clear();
    await Promise.all(closing);
    this.deadlines.sweep();
  }

  submit(exchange: FcmExchange): void {
    if (this.closed) {
      exchange.settleFailure('closed', 'the FCM client is closed', false);
      return;
    }
    this.deadlines.add(exchange, performance.now());
    this.connectionFor(exchange.entry.sessionKey).submit(exchange);
  }

  resendUnauthenticated(exchange: FcmExchange, outcome: FcmOutcome): void {
    const { entry, payload, resolve, startedAt } = exchange;
    entry.tokens.renewAfterRejection(exchange.accessToken).then(
      (accessToken) =>
        this.submit(new FcmExchange(this, entry, payload, accessToken, resolve, startedAt, true)),
      (error: unknown) =>
        resolve(error instanceof TokenRequestError ? tokenErrorOutcome(error, startedAt) : outcome),
    );
  }

  private connectionFor(sessionKey: string): FcmConnection {
    const current = this.connections.get(sessionKey);
    if (current?.usable) return current;
    const connection = new FcmConnection(
      {
        host: this.target.host,
        port: this.target.port,
        ca: this.ca,
        connectTimeoutMs: this.connectTimeoutMs,
        maxInFlight: this.maxInFlight,
      },
      (retired, unsent) => {
        if (this.connections.get(sessionKey) === retired) this.connections.delete(sessionKey);
        for (const exchange of unsent) {
          if (this.closed) exchange.settleFailure('closed', 'the FCM client is closed', false);
          else this.connectionFor(sessionKey).submit(exchange);
        }
      },
    );
    this.connections.set(sessionKey, connection);
    return connection;
  }

  /**
   * Equal service accounts (same content) share one token source whatever object holds them; the
   * request path and session follow the credential's project.
   */
  private entryFor(account: FcmServiceAccount): AccountEntry {
    const known = this.byObject.get(account);
    if (known !== undefined) return known;
    const fingerprint = createHash('sha256')
      .update(
        `${account.client_email}\0${account.private_key_id}\0${account.token_uri}\0${account.private_key}`,
      )
      .digest('hex');
    let tokens = this.tokenSources.get(fingerprint);
    if (tokens === undefined) {
      const request = httpsGrantRequest({ ca: this.ca, timeoutMs: this.tokenRequestTimeoutMs });
      tokens = new AccessTokenSource(account, request, this.tokenOptions);
      this.tokenSources.set(fingerprint, tokens);
    }
    const entry: AccountEntry = {
      tokens,
      path: `/v1/projects/${account.project_id}/messages:send`,
      sessionKey: `${account.project_id}\n${this.target.key}`,
    };
    this.byObject.set(account, entry);
    return entry;
  }
}

function closedOutcome(startedAt: number): FcmOutcome {
  return {
    kind: 'transport-error',
    error: 'closed',
    message: 'the FCM client is closed',
    maybeDelivered: false,
    latencyMs: performance.now() - startedAt,
  };
}

function tokenErrorOutcome(error: unknown, startedAt: number): FcmOutcome {
  const latencyMs = performance.now() - startedAt;
  if (!(error instanceof TokenRequestError)) {
    return { kind: 'token-error', message: 'the access token could not be had', retryable: true, latencyMs };
  }
  return {
    kind: 'token-error',
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.oauthError === undefined ? {} : { oauthError: error.oauthError }),
    message: error.message,
    retryable: error.retryable,
    latencyMs,
  };
}

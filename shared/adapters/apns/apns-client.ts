import type { OutgoingHttpHeaders } from 'node:http2';
import { rootCertificates } from 'node:tls';
import type { ApnsCredential, ApnsEnvironment } from '../../domain/apns-credential';
import { ApnsConnection, Exchange } from './apns-connection';
import { type ApnsTarget, apnsTargets } from './apns-endpoint';
import {
  type ApnsOutcome,
  type ApnsRequest,
  type ApnsTransport,
  answerOutcome,
  type TransportErrorKind,
  transportOutcome,
} from './apns-transport';
import {
  type CredentialMaterial,
  certificateNotAfter,
  credentialFingerprint,
  daysUntil,
  tlsClientOptions,
} from './credential-material';
import { DeadlineQueue } from './deadline-queue';
import { type ProviderTokenOptions, ProviderTokenSigner } from './provider-token';

export interface ApnsClientOptions {
  /** `https://host:port`, or `sandbox` / `production`; by default the host follows each request's environment. */
  readonly endpoint?: string;
  /** Extra CA (PEM) to trust besides the system roots, e.g. the local simulator's. */
  readonly ca?: string | Buffer;
  /** @default 5000 */
  readonly requestTimeoutMs?: number;
  /** @default 5000 */
  readonly connectTimeoutMs?: number;
  /** PING a connection idle this long. @default 1 hour (Apple's advice) */
  readonly pingIntervalMs?: number;
  /** Provider-token (JWT) timing; the defaults follow Apple's rules. */
  readonly providerToken?: ProviderTokenOptions;
}

const HEX_TOKEN = /^[0-9a-fA-F]+$/;

/**
 * The project's APNs transport: thin `node:http2`, one long-lived connection per (credential, host).
 * Build it once at module scope so its connections and provider tokens survive warm invocations.
 */
export class ApnsClient implements ApnsTransport, ExchangeRouter {
  private readonly byObject = new WeakMap<ApnsCredential, CredentialEntry>();
  private readonly byFingerprint = new Map<string, CredentialEntry>();
  private readonly targets: Record<ApnsEnvironment, ApnsTarget>;
  private readonly ca: string[] | undefined;
  readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly pingIntervalMs: number;
  private readonly tokenOptions: ProviderTokenOptions | undefined;
  private readonly deadlines: DeadlineQueue;
  private closed = false;

  constructor(options: ApnsClientOptions = {}) {
    this.targets = apnsTargets(options.endpoint);
    this.ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca.toString()];
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.pingIntervalMs = options.pingIntervalMs ?? 3_600_000;
    this.tokenOptions = options.providerToken;
    this.deadlines = new DeadlineQueue(this.requestTimeoutMs);
  }

  send(credential: ApnsCredential, request: ApnsRequest): Promise<ApnsOutcome> {
    return new Promise((resolve) => {
      if (!HEX_TOKEN.test(request.token)) {
        // Never put anything but hex into :path; APNs answers a malformed token the same way.
        resolve({
          kind: 'rejected',
          status: 400,
          reason: 'BadDeviceToken',
          apnsId: request.apnsId,
          latencyMs: 0,
        });
        return;
      }
      const entry = this.entryFor(credential);
      const headers: OutgoingHttpHeaders = {
        ':method': 'POST',
        ':path': `/3/device/${request.token}`,
        'apns-push-type': request.pushType,
        'apns-topic': request.topic,
        'apns-priority': request.priority,
        'apns-expiration': request.expiration,
        'apns-id': request.apnsId,
        'content-type': 'application/json',
      };
      if (request.collapseId !== undefined) headers['apns-collapse-id'] = request.collapseId;
      if (entry.signer !== undefined) headers.authorization = entry.signer.authorization();
      this.submit(new PushExchange(this, entry, request, headers, resolve, performance.now(), false));
    });
  }

  certificateDaysLeft(credential: ApnsCredential, now: Date = new Date()): number | undefined {
    if (credential.auth === 'token') return undefined;
    const entry = this.entryFor(credential);
    entry.notAfter ??= certificateNotAfter(credential);
    return entry.notAfter === undefined ? undefined : daysUntil(entry.notAfter, now);
  }

  /** Closes every connection (open streams get `requestTimeoutMs` to finish); later sends fail as `closed`. */
  async close(): Promise<void> {
    this.closed = true;
    const closing: Promise<void>[] = [];
    for (const entry of this.byFingerprint.values()) {
      for (const connection of entry.connections.values())
        closing.push(connection.close(this.requestTimeoutMs));
      entry.connections.clear();
    }
    this.byFingerprint.clear();
    await Promise.all(closing);
    this.deadlines.sweep();
  }

  /** Sends (or re-sends) an exchange on the current connection of its credential and host. */
  submit(exchange: PushExchange): void {
    if (this.closed) {
      exchange.settleFailure('closed', 'the APNs client is closed', false);
      return;
    }
    this.deadlines.add(exchange, exchange.isRetry ? performance.now() : exchange.startedAt);
    this.connectionFor(exchange.entry, this.targets[exchange.request.environment]).submit(exchange);
  }

  /** Closes `connection` if it is still the current one, so the next request opens a new one. */
  replaceConnection(exchange: PushExchange): void {
    const connection = exchange.connection;
    const key = this.targets[exchange.request.environment].key;
    if (connection !== undefined && exchange.entry.connections.get(key) === connection) {
      exchange.entry.connections.delete(key);
      void connection.close(this.requestTimeoutMs);
    }
  }

  private connectionFor(entry: CredentialEntry, target: ApnsTarget): ApnsConnection {
    const current = entry.connections.get(target.key);
    if (current?.usable) return current;
    const connection = new ApnsConnection(
      {
        host: target.host,
        port: target.port,
        tls: this.ca === undefined ? entry.tls : { ...entry.tls, ca: this.ca },
        connectTimeoutMs: this.connectTimeoutMs,
        pingIntervalMs: this.pingIntervalMs,
      },
      (retired, unsent) => {
        if (entry.connections.get(target.key) === retired) entry.connections.delete(target.key);
        for (const exchange of unsent) {
          if (this.closed) exchange.settleFailure('closed', 'the APNs client is closed', false);
          else this.connectionFor(entry, target).submit(exchange);
        }
      },
    );
    entry.connections.set(target.key, connection);
    return connection;
  }

  private entryFor(credential: ApnsCredential): CredentialEntry {
    const known = this.byObject.get(credential);
    if (known !== undefined) return known;
    const fingerprint = credentialFingerprint(credential);
    let entry = this.byFingerprint.get(fingerprint);
    if (entry === undefined) {
      entry = {
        fingerprint,
        tls: tlsClientOptions(credential),
        signer:
          credential.auth === 'token' ? new ProviderTokenSigner(credential, this.tokenOptions) : undefined,
        connections: new Map(),
        notAfter: undefined,
      };
      this.byFingerprint.set(fingerprint, entry);
    }
    this.byObject.set(credential, entry);
    return entry;
  }
}

/** What the client keeps per credential content: its signer, its connections by target, its expiry. */
export interface CredentialEntry extends CredentialMaterial {
  readonly signer: ProviderTokenSigner | undefined;
  readonly connections: Map<string, ApnsConnection>;
  notAfter: number | undefined;
}

/** The client side a retry needs. */
export interface ExchangeRouter {
  submit(exchange: PushExchange): void;
  /** Retires the connection that carried `exchange` so the next request opens a new one. */
  replaceConnection(exchange: PushExchange): void;
}

/** One attempt of one push; a 403 that a new token or connection can cure is retried once. */
export class PushExchange extends Exchange {
  readonly payload: string;

  constructor(
    private readonly router: ExchangeRouter,
    readonly entry: CredentialEntry,
    readonly request: ApnsRequest,
    readonly headers: OutgoingHttpHeaders,
    private readonly resolve: (outcome: ApnsOutcome) => void,
    /** performance.now() when send() was called: latency covers a retry too. */
    readonly startedAt: number,
    readonly isRetry: boolean,
  ) {
    super();
    this.payload = request.payload;
  }

  protected answered(status: number, apnsId: string | undefined, body: string): void {
    const latency = performance.now() - this.startedAt;
    const outcome = answerOutcome(status, apnsId ?? this.request.apnsId, body, latency);
    if (status === 403 && !this.isRetry && outcome.kind === 'rejected' && this.retried(outcome.reason))
      return;
    this.resolve(outcome);
  }

  protected failed(error: TransportErrorKind, message: string, maybeDelivered: boolean): void {
    const latency = performance.now() - this.startedAt;
    this.resolve(transportOutcome(error, message, this.request.apnsId, latency, maybeDelivered));
  }

  /** ExpiredProviderToken: retry with a renewed JWT; UnrelatedKeyIdInToken: retry on a new connection. */
  private retried(reason: string): boolean {
    let headers = this.headers;
    if (reason === 'ExpiredProviderToken' && this.entry.signer !== undefined) {
      const renewed = this.entry.signer.renewAfterExpired(String(this.headers.authorization));
      if (renewed === undefined) return false;
      headers = { ...this.headers, authorization: renewed };
    } else if (reason === 'UnrelatedKeyIdInToken') {
      this.router.replaceConnection(this);
    } else {
      return false;
    }
    const { router, entry, request, resolve, startedAt } = this;
    router.submit(new PushExchange(router, entry, request, headers, resolve, startedAt, true));
    return true;
  }
}

import type { OutgoingHttpHeaders } from 'node:http2';
import { rootCertificates } from 'node:tls';
import type { ApnsCredential, ApnsEnvironment } from '../../domain/apns-credential';
import type { ApnsSender, PushOutcome, PushRequest } from '../../ports/apns-sender';
import { answerOutcome, type TransportErrorKind, transportOutcome } from './answer';
import { ApnsConnection } from './apns-connection';
import {
  type CredentialMaterial,
  certificateNotAfter,
  credentialFingerprint,
  daysUntil,
  tlsClientOptions,
} from './credential-material';
import { Exchange } from './exchange';
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

interface Target {
  readonly key: string;
  readonly host: string;
  readonly port: number;
}

interface CredentialEntry extends CredentialMaterial {
  readonly signer: ProviderTokenSigner | undefined;
  readonly connections: Map<string, ApnsConnection>;
  notAfter: number | undefined;
}

const HOSTS: Record<ApnsEnvironment, string> = {
  sandbox: 'api.sandbox.push.apple.com',
  production: 'api.push.apple.com',
};

function targetsFor(endpoint: string | undefined): Record<ApnsEnvironment, Target> {
  const byEnvironment = (environment: ApnsEnvironment): Target => ({
    key: environment,
    host: HOSTS[environment],
    port: 443,
  });
  if (endpoint === undefined || endpoint === '') {
    return { sandbox: byEnvironment('sandbox'), production: byEnvironment('production') };
  }
  if (endpoint === 'sandbox' || endpoint === 'production') {
    const fixed = byEnvironment(endpoint);
    return { sandbox: fixed, production: fixed };
  }
  const url = new URL(endpoint);
  if (url.protocol !== 'https:')
    throw new Error('the APNs endpoint must be an https:// URL, sandbox or production');
  const fixed = {
    key: 'endpoint',
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 443),
  };
  return { sandbox: fixed, production: fixed };
}

/**
 * The project's APNs transport: thin `node:http2`, one long-lived connection per (credential, host).
 * Build it once at module scope so its connections and provider tokens survive warm invocations.
 */
export class ApnsClient implements ApnsSender {
  private readonly byObject = new WeakMap<ApnsCredential, CredentialEntry>();
  private readonly byFingerprint = new Map<string, CredentialEntry>();
  private readonly targets: Record<ApnsEnvironment, Target>;
  private readonly ca: string[] | undefined;
  readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly pingIntervalMs: number;
  private readonly tokenOptions: ProviderTokenOptions | undefined;
  /** Exchanges in deadline order (one timeout for all, so FIFO), swept by one timer instead of a timer each. */
  private readonly deadlines: Exchange[] = [];
  private deadlinesHead = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly sweepEveryMs: number;

  constructor(options: ApnsClientOptions = {}) {
    this.targets = targetsFor(options.endpoint);
    this.ca = options.ca === undefined ? undefined : [...rootCertificates, options.ca.toString()];
    this.requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.pingIntervalMs = options.pingIntervalMs ?? 3_600_000;
    this.tokenOptions = options.providerToken;
    this.sweepEveryMs = Math.min(100, Math.max(5, Math.floor(this.requestTimeoutMs / 20)));
  }

  send(credential: ApnsCredential, request: PushRequest): Promise<PushOutcome> {
    return new Promise((resolve) => {
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
    this.sweepDeadlines();
  }

  /** Sends (or re-sends) an exchange on the current connection of its credential and host. */
  submit(exchange: PushExchange): void {
    if (this.closed) {
      exchange.settleFailure('closed', 'the APNs client is closed', false);
      return;
    }
    if (exchange.deadline === 0) {
      exchange.deadline = (exchange.isRetry ? performance.now() : exchange.startedAt) + this.requestTimeoutMs;
      this.deadlines.push(exchange);
      this.sweeper ??= setInterval(() => this.sweepDeadlines(), this.sweepEveryMs);
    }
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

  /** Fails the exchanges past their deadline (cancelling their streams); stops when none is left. */
  private sweepDeadlines(): void {
    const now = performance.now();
    const queue = this.deadlines;
    let head = this.deadlinesHead;
    while (head < queue.length) {
      const exchange = queue[head] as Exchange;
      if (!exchange.settled && exchange.deadline > now) break;
      queue[head++] = undefined as never;
      exchange.expire();
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    this.deadlinesHead = head;
  }

  private connectionFor(entry: CredentialEntry, target: Target): ApnsConnection {
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

/** One attempt of one push; a 403 that a new token or connection can cure is retried once. */
class PushExchange extends Exchange {
  constructor(
    private readonly client: ApnsClient,
    readonly entry: CredentialEntry,
    readonly request: PushRequest,
    readonly headers: OutgoingHttpHeaders,
    private readonly resolve: (outcome: PushOutcome) => void,
    readonly startedAt: number,
    readonly isRetry: boolean,
  ) {
    super();
    this.payload = request.payload;
  }

  readonly payload: string;

  protected answered(status: number, apnsId: string | undefined, body: string): void {
    const outcome = answerOutcome(
      status,
      apnsId ?? this.request.apnsId,
      body,
      performance.now() - this.startedAt,
    );
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
      this.client.replaceConnection(this);
    } else {
      return false;
    }
    const retry = new PushExchange(
      this.client,
      this.entry,
      this.request,
      headers,
      this.resolve,
      this.startedAt,
      true,
    );
    this.client.submit(retry);
    return true;
  }
}

import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  connect as http2Connect,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { parseErrorBody, type TransportErrorKind } from './apns-transport';

/**
 * One request on its way through a connection. The connection fills in the answer fields and calls
 * `answered` or `failed` exactly once (guarded by `settled`); the subclass turns that into an outcome.
 */
export abstract class Exchange {
  abstract readonly headers: OutgoingHttpHeaders;
  abstract readonly payload: string;
  settled = false;
  /** The HTTP/2 stream once the request is on the wire. */
  stream: ClientHttp2Stream | undefined = undefined;
  /** The connection that wrote it. */
  connection: ApnsConnection | undefined = undefined;
  /** performance.now() after which the request times out; 0 until submitted. */
  deadline = 0;
  status = 0;
  answerId: string | undefined = undefined;
  body: Buffer | undefined = undefined;
  errorMessage: string | undefined = undefined;

  /** APNs answered (any status). */
  protected abstract answered(status: number, apnsId: string | undefined, body: string): void;
  /** No answer; `maybeDelivered` tells whether APNs may have taken the push. */
  protected abstract failed(error: TransportErrorKind, message: string, maybeDelivered: boolean): void;

  settleAnswer(): void {
    if (this.settled) return;
    this.settled = true;
    this.answered(this.status, this.answerId, this.body === undefined ? '' : this.body.toString('utf8'));
  }

  /** The deadline passed: fail now, and cancel the stream if the request was written. */
  expire(): void {
    if (this.settled) return;
    const stream = this.stream;
    this.settleFailure(
      'timeout',
      'APNs did not answer in time; the request was cancelled',
      stream !== undefined,
    );
    if (stream !== undefined && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  }

  settleFailure(error: TransportErrorKind, message: string, maybeDelivered: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.failed(error, message, maybeDelivered);
  }
}

export interface ConnectionSettings {
  readonly host: string;
  readonly port: number;
  /** TLS options: trust (ca) and, for certificate auth, the client certificate. */
  readonly tls: ConnectionOptions;
  readonly connectTimeoutMs: number;
  /** PING after this long without a request; a PING unanswered within connectTimeoutMs drops the connection. */
  readonly pingIntervalMs: number;
}

/** Called once when a connection stops taking requests; `unsent` were never written and may go elsewhere. */
export type RetireListener = (connection: ApnsConnection, unsent: Exchange[]) => void;

const EXCHANGE = Symbol('exchange');
type TaggedStream = ClientHttp2Stream & { [EXCHANGE]: Exchange };
const IP_ADDRESS = /^[\d.]+$|:/;

/**
 * One long-lived HTTP/2 connection to APNs for one credential and host. It keeps at most the peer's
 * advertised SETTINGS_MAX_CONCURRENT_STREAMS requests open and queues the rest (before the first
 * SETTINGS it allows one, as APNs does for a token connection until the first valid token).
 */
export class ApnsConnection {
  private readonly session: ClientHttp2Session;
  private readonly socket: TLSSocket;
  private readonly queue: Exchange[] = [];
  private queueHead = 0;
  private inFlight = 0;
  private limit = 1;
  private connected = false;
  private tcpConnected = false;
  private retired = false;
  private goawayLastStreamId = -1;
  private goawayReason = '';
  private lastError: Error | undefined;
  private requestsSincePing = 0;
  private readonly connectTimer: NodeJS.Timeout;
  private readonly pingTimer: NodeJS.Timeout;
  private referenced = true;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly onRetire: RetireListener,
  ) {
    const { host, port } = settings;
    this.socket = tlsConnect({
      ...settings.tls,
      host,
      port,
      servername: IP_ADDRESS.test(host) ? undefined : host,
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.2',
    });
    this.socket.once('connect', () => {
      this.tcpConnected = true;
    });
    const authority = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.session = http2Connect(authority, {
      createConnection: () => this.socket,
      settings: { enablePush: false },
      maxSessionMemory: 64,
    });
    this.connectTimer = setTimeout(() => this.connectTimedOut(), settings.connectTimeoutMs);
    this.pingTimer = setInterval(() => this.pingIfIdle(), settings.pingIntervalMs);
    this.pingTimer.unref();
    const session = this.session;
    session.on('connect', () => this.onConnect());
    session.on('remoteSettings', (remote) => this.onRemoteSettings(remote.maxConcurrentStreams));
    session.on('goaway', (_code, lastStreamId, data) => this.onGoaway(lastStreamId, data));
    session.on('error', (error) => {
      this.lastError = error;
    });
    session.on('close', () => this.onClose());
  }

  /** False once the connection is closing: the pool then opens a new one. */
  get usable(): boolean {
    return !this.retired && !this.session.closed && !this.session.destroyed;
  }

  /** Sends now if a stream is free, else queues. The exchange's deadline is the caller's. */
  submit(exchange: Exchange): void {
    if (!this.referenced) {
      this.referenced = true;
      this.session.ref();
    }
    if (this.connected && this.inFlight < this.limit && this.queueHead === this.queue.length) {
      this.dispatch(exchange);
    } else {
      this.queue.push(exchange);
    }
  }

  /** Stops taking requests and closes once open streams end (destroyed after `graceMs`). */
  close(graceMs: number): Promise<void> {
    this.retire();
    const session = this.session;
    if (session.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => session.destroy(), graceMs);
      session.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      session.close();
    });
  }

  private dispatch(exchange: Exchange): void {
    let stream: TaggedStream;
    try {
      stream = this.session.request(exchange.headers) as TaggedStream;
    } catch (error) {
      // Nothing was written: the session closed in between, or a header was invalid. Only the error
      // code goes in the message: Node's own message would quote the header value (the device token).
      const code = (error as { code?: unknown }).code;
      exchange.settleFailure(
        'closed',
        `the request was not sent (${String(code ?? 'session closed')})`,
        false,
      );
      return;
    }
    this.inFlight++;
    this.requestsSincePing++;
    stream[EXCHANGE] = exchange;
    exchange.stream = stream;
    exchange.connection = this;
    stream.on('response', onResponse);
    stream.on('data', onData);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.end(exchange.payload);
  }

  /** A stream ended: classify it, then let the next queued request have the slot. */
  streamClosed(stream: TaggedStream): void {
    this.inFlight--;
    const exchange = stream[EXCHANGE];
    if (exchange.status !== 0) {
      exchange.settleAnswer();
    } else if (
      this.goawayLastStreamId >= 0 &&
      (stream.id === undefined || stream.id > this.goawayLastStreamId)
    ) {
      exchange.settleFailure('goaway', `APNs refused the stream after GOAWAY${this.reasonSuffix()}`, false);
    } else if (stream.rstCode === constants.NGHTTP2_REFUSED_STREAM) {
      exchange.settleFailure('reset', 'APNs refused the stream (REFUSED_STREAM): not processed', false);
    } else if (this.session.destroyed || this.goawayLastStreamId >= 0) {
      const why = this.goawayLastStreamId >= 0 ? `GOAWAY${this.reasonSuffix()}` : this.errorText();
      exchange.settleFailure('closed', `the connection closed before APNs answered (${why})`, true);
    } else {
      const code = stream.rstCode ?? 0;
      exchange.settleFailure('reset', `APNs reset the stream (code ${code}) before answering`, true);
    }
    this.drain();
  }

  private drain(): void {
    const queue = this.queue;
    while (
      this.connected &&
      !this.session.destroyed &&
      this.inFlight < this.limit &&
      this.queueHead < queue.length
    ) {
      const next = queue[this.queueHead] as Exchange;
      queue[this.queueHead++] = undefined as never;
      if (!next.settled) this.dispatch(next);
    }
    if (this.queueHead === queue.length && this.queueHead > 0) {
      queue.length = 0;
      this.queueHead = 0;
    }
    if (
      this.inFlight === 0 &&
      this.queueHead === queue.length &&
      this.referenced &&
      !this.session.destroyed
    ) {
      this.referenced = false;
      this.session.unref();
    }
  }

  private onConnect(): void {
    clearTimeout(this.connectTimer);
    this.connected = true;
    // remoteSettings holds defaults until the peer's SETTINGS arrive ('remoteSettings'): keep one stream till then.
    this.drain();
  }

  private onRemoteSettings(maxConcurrentStreams: number | undefined): void {
    if (maxConcurrentStreams === undefined) return;
    this.limit = Math.max(1, maxConcurrentStreams);
    this.drain();
  }

  private onGoaway(lastStreamId: number, data: Buffer | undefined): void {
    this.goawayLastStreamId = lastStreamId;
    if (data !== undefined && data.length > 0)
      this.goawayReason = parseErrorBody(data.toString('utf8')).reason;
    this.retire();
  }

  private onClose(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.pingTimer);
    this.retire();
  }

  /** Leaves the pool once; requests not yet written move on, or fail if this connection never opened. */
  private retire(): void {
    if (this.retired) return;
    this.retired = true;
    const unsent = this.queue.slice(this.queueHead).filter((exchange) => !exchange.settled);
    this.queue.length = 0;
    this.queueHead = 0;
    if (this.connected) {
      this.onRetire(this, unsent);
      return;
    }
    this.onRetire(this, []);
    const kind = this.tcpConnected ? 'tls' : 'connect';
    const message = `${kind === 'tls' ? 'TLS handshake with' : 'could not connect to'} APNs failed (${this.errorText()})`;
    for (const exchange of unsent) exchange.settleFailure(kind, message, false);
  }

  private connectTimedOut(): void {
    if (this.connected) return;
    this.lastError ??= new Error(`no connection within ${this.settings.connectTimeoutMs} ms`);
    this.retire();
    this.session.destroy();
  }

  private pingIfIdle(): void {
    if (!this.connected || this.retired) return;
    const idle = this.requestsSincePing === 0 && this.inFlight === 0;
    this.requestsSincePing = 0;
    if (!idle) return;
    const timer = setTimeout(() => this.session.destroy(), this.settings.connectTimeoutMs);
    timer.unref();
    this.session.ping((error) => {
      clearTimeout(timer);
      if (error) this.session.destroy();
    });
  }

  private reasonSuffix(): string {
    return this.goawayReason === '' ? '' : ` (${this.goawayReason})`;
  }

  private errorText(): string {
    const error = this.lastError as (Error & { code?: string }) | undefined;
    if (error === undefined) return 'connection closed';
    return error.code === undefined ? error.message : `${error.code}: ${error.message}`;
  }
}

function onResponse(this: TaggedStream, headers: IncomingHttpHeaders): void {
  const exchange = this[EXCHANGE];
  exchange.status = Number(headers[':status']);
  const id = headers['apns-id'];
  if (typeof id === 'string') exchange.answerId = id;
}

function onData(this: TaggedStream, chunk: Buffer): void {
  const exchange = this[EXCHANGE];
  exchange.body = exchange.body === undefined ? chunk : Buffer.concat([exchange.body, chunk]);
}

function onError(this: TaggedStream, error: Error): void {
  this[EXCHANGE].errorMessage = error.message;
}

function onClose(this: TaggedStream): void {
  (this[EXCHANGE].connection as ApnsConnection).streamClosed(this);
}

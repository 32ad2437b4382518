import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  connect as http2Connect,
  type IncomingHttpHeaders,
} from 'node:http2';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { FcmExchange } from './fcm-exchange';

export interface FcmConnectionSettings {
  readonly host: string;
  readonly port: number;
  /** Trusted CAs; undefined for Node's default roots. */
  readonly ca: readonly string[] | undefined;
  readonly connectTimeoutMs: number;
  /** Most streams open at once, whatever the peer's SETTINGS_MAX_CONCURRENT_STREAMS allows. */
  readonly maxInFlight: number;
}

/** Called once when a connection stops taking requests; `unsent` were never written and may go elsewhere. */
export type RetireListener = (connection: FcmConnection, unsent: FcmExchange[]) => void;

const LINK = Symbol('fcm-exchange');
type TaggedStream = ClientHttp2Stream & { [LINK]: { exchange: FcmExchange; connection: FcmConnection } };
const IP_ADDRESS = /^[\d.]+$|:/;
const PRINTABLE = /[^\x20-\x7e]/g;

/**
 * One long-lived HTTP/2 session to FCM for one (project, host). At most min(peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS, maxInFlight) requests are open (one until the peer's first SETTINGS);
 * the rest wait in order. On GOAWAY or close it retires: requests not yet written move to a new session.
 *
 * Stream endings are classified for the sender: "certainly not delivered" only when FCM cannot have
 * processed the request (no connection, REFUSED_STREAM, above GOAWAY's last stream id, not fully written).
 */
export class FcmConnection {
  private readonly socket: TLSSocket;
  private readonly session: ClientHttp2Session;
  private readonly queue: FcmExchange[] = [];
  private queueHead = 0;
  private inFlight = 0;
  private limit = 1;
  private connected = false;
  private tcpConnected = false;
  private retired = false;
  private referenced = true;
  private goawayLastStreamId = -1;
  private goawayDetail = '';
  private lastError: Error | undefined;
  private readonly connectTimer: NodeJS.Timeout;

  constructor(
    private readonly settings: FcmConnectionSettings,
    private readonly onRetire: RetireListener,
  ) {
    const { host, port } = settings;
    this.socket = tlsConnect({
      host,
      port,
      ca: settings.ca === undefined ? undefined : [...settings.ca],
      servername: IP_ADDRESS.test(host) ? undefined : host,
      ALPNProtocols: ['h2'],
      minVersion: 'TLSv1.2',
    });
    this.socket.once('connect', () => {
      this.tcpConnected = true;
    });
    this.session = http2Connect(`https://${host.includes(':') ? `[${host}]` : host}:${port}`, {
      createConnection: () => this.socket,
      settings: { enablePush: false },
      maxSessionMemory: 64,
    });
    this.connectTimer = setTimeout(() => this.connectTimedOut(), settings.connectTimeoutMs);
    const session = this.session;
    session.on('connect', () => {
      clearTimeout(this.connectTimer);
      this.connected = true;
      this.drain();
    });
    session.on('remoteSettings', ({ maxConcurrentStreams }) => {
      if (maxConcurrentStreams === undefined) return;
      this.limit = Math.max(1, Math.min(maxConcurrentStreams, settings.maxInFlight));
      this.drain();
    });
    session.on('goaway', (_code, lastStreamId, data) => {
      this.goawayLastStreamId = lastStreamId;
      if (data !== undefined && data.length > 0)
        this.goawayDetail = ` (${data.toString('latin1', 0, 64).replace(PRINTABLE, '?')})`;
      this.retire();
    });
    session.on('error', (error) => {
      this.lastError = error;
    });
    session.on('close', () => {
      clearTimeout(this.connectTimer);
      this.retire();
    });
  }

  /** False once the session is closing: the client then opens a new one. */
  get usable(): boolean {
    return !this.retired && !this.session.closed && !this.session.destroyed;
  }

  /** Sends now if a stream is free, else queues. The exchange's deadline is the caller's. */
  submit(exchange: FcmExchange): void {
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

  private dispatch(exchange: FcmExchange): void {
    let stream: TaggedStream;
    try {
      stream = this.session.request(exchange.headers) as TaggedStream;
    } catch (error) {
      // Nothing was written (the session closed in between). Only the code: Node's message may quote headers.
      const code = (error as { code?: unknown }).code;
      exchange.settleFailure(
        'closed',
        `the request was not sent (${String(code ?? 'session closed')})`,
        false,
      );
      return;
    }
    this.inFlight++;
    stream[LINK] = { exchange, connection: this };
    exchange.stream = stream;
    stream.on('response', onResponse);
    stream.on('data', onData);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.on('finish', onFinish);
    stream.end(exchange.payload);
  }

  /** A stream ended: classify it, then give its slot to the next queued request. */
  streamClosed(stream: TaggedStream): void {
    this.inFlight--;
    const { exchange } = stream[LINK];
    if (exchange.status !== 0) {
      exchange.settleAnswer();
    } else if (
      this.goawayLastStreamId >= 0 &&
      (stream.id === undefined || stream.id > this.goawayLastStreamId)
    ) {
      exchange.settleFailure(
        'goaway',
        `FCM refused the stream after GOAWAY${this.goawayDetail}: not processed`,
        false,
      );
    } else if (stream.rstCode === constants.NGHTTP2_REFUSED_STREAM) {
      exchange.settleFailure('reset', 'FCM refused the stream (REFUSED_STREAM): not processed', false);
    } else if (!exchange.written) {
      const why = this.session.destroyed ? this.errorText() : `stream reset, code ${stream.rstCode ?? 0}`;
      exchange.settleFailure('closed', `the request was not fully written (${why}): not processed`, false);
    } else if (this.session.destroyed || this.goawayLastStreamId >= 0) {
      const why = this.goawayLastStreamId >= 0 ? `GOAWAY${this.goawayDetail}` : this.errorText();
      exchange.settleFailure('closed', `the connection closed before FCM answered (${why})`, true);
    } else {
      exchange.settleFailure(
        'reset',
        `FCM reset the stream (code ${stream.rstCode ?? 0}) before answering`,
        true,
      );
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
      const next = queue[this.queueHead] as FcmExchange;
      queue[this.queueHead++] = undefined as never;
      if (!next.settled) this.dispatch(next);
    }
    if (this.queueHead === queue.length && this.queueHead > 0) {
      queue.length = 0;
      this.queueHead = 0;
    }
    // Idle: let the process (a test, a script, a frozen Lambda) end without closing the client.
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

  /** Leaves the pool once; unwritten requests move on, or fail if this session never opened. */
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
    const message = `${kind === 'tls' ? 'the TLS handshake with' : 'could not connect to'} FCM failed (${this.errorText()})`;
    for (const exchange of unsent) exchange.settleFailure(kind, message, false);
  }

  private connectTimedOut(): void {
    if (this.connected) return;
    this.lastError ??= new Error(`no connection within ${this.settings.connectTimeoutMs} ms`);
    this.retire();
    this.session.destroy();
  }

  private errorText(): string {
    const error = this.lastError as (Error & { code?: string }) | undefined;
    if (error === undefined) return 'connection closed';
    return error.code === undefined ? error.message : `${error.code}: ${error.message}`;
  }
}

function onResponse(this: TaggedStream, headers: IncomingHttpHeaders): void {
  const { exchange } = this[LINK];
  exchange.status = Number(headers[':status']);
  exchange.responseHeaders = headers;
}

function onData(this: TaggedStream, chunk: Buffer): void {
  const { exchange } = this[LINK];
  exchange.body = exchange.body === undefined ? chunk : Buffer.concat([exchange.body, chunk]);
}

function onError(this: TaggedStream, error: Error): void {
  this[LINK].exchange.errorMessage = error.message;
}

/** The whole request, END_STREAM included, went to the socket: FCM may act on it from now on. */
function onFinish(this: TaggedStream): void {
  this[LINK].exchange.written = true;
}

function onClose(this: TaggedStream): void {
  this[LINK].connection.streamClosed(this);
}

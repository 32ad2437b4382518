import { type ClientHttp2Stream, constants, type OutgoingHttpHeaders } from 'node:http2';
import type { TransportErrorKind } from './answer';
import type { ApnsConnection } from './apns-connection';

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

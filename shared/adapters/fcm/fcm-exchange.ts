import { constants, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { Exchange } from '../apns/apns-connection';
import type { AccessTokenSource } from './access-token';
import { answerOutcome } from './fcm-answer';
import type { FcmOutcome, FcmTransportErrorKind } from './fcm-outcome';

/** What the client keeps per credential: its service account's token source, its project's path and session. */
export interface AccountEntry {
  readonly tokens: AccessTokenSource;
  /** `/v1/projects/<project_id>/messages:send` */
  readonly path: string;
  /** One session per (project, host). */
  readonly sessionKey: string;
}

/** The client side an exchange needs. */
export interface ExchangeRouter {
  submit(exchange: FcmExchange): void;
  /** FCM answered 401 to a first attempt: renew the access token and send once more. */
  resendUnauthenticated(exchange: FcmExchange, outcome: FcmOutcome): void;
}

/**
 * One attempt of one `messages:send`. The request-lifecycle fields and the deadline handling come from
 * the APNs transport's Exchange (shared with its DeadlineQueue); this adds the response headers
 * (Retry-After), whether the request was fully written, and FCM's outcome.
 */
export class FcmExchange extends Exchange {
  readonly headers: OutgoingHttpHeaders;
  /** Set by the connection on the `response` event. */
  responseHeaders: IncomingHttpHeaders | undefined = undefined;
  /** True once the whole request (headers, body, END_STREAM) went to the socket. */
  written = false;

  constructor(
    private readonly router: ExchangeRouter,
    readonly entry: AccountEntry,
    readonly payload: string,
    /** The bearer token this attempt carries. */
    readonly accessToken: string,
    readonly resolve: (outcome: FcmOutcome) => void,
    /** performance.now() when send() was called: latency covers the token fetch and a resend. */
    readonly startedAt: number,
    readonly isResend: boolean,
  ) {
    super();
    this.headers = {
      ':method': 'POST',
      ':path': entry.path,
      'content-type': 'application/json; charset=utf-8',
      authorization: `Bearer ${accessToken}`,
    };
  }

  /** The deadline passed: fail now (maybe delivered only if the request was fully written) and cancel the stream. */
  override expire(): void {
    if (this.settled) return;
    const stream = this.stream;
    this.settleFailure('timeout', 'FCM did not answer in time; the request was cancelled', this.written);
    if (stream !== undefined && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
  }

  protected answered(status: number, _answerId: string | undefined, body: string): void {
    const latency = performance.now() - this.startedAt;
    const outcome = answerOutcome(status, this.responseHeaders?.['retry-after'], body, latency, Date.now());
    // 401 THIRD_PARTY_AUTH_ERROR is about the APNs or web-push credential behind FCM: a new token cannot help.
    const tokenRefused =
      status === 401 && outcome.kind === 'rejected' && outcome.errorCode !== 'THIRD_PARTY_AUTH_ERROR';
    if (tokenRefused && !this.isResend) this.router.resendUnauthenticated(this, outcome);
    else this.resolve(outcome);
  }

  protected failed(error: FcmTransportErrorKind, message: string, maybeDelivered: boolean): void {
    const latencyMs = performance.now() - this.startedAt;
    this.resolve({ kind: 'transport-error', error, message, maybeDelivered, latencyMs });
  }
}

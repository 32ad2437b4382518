import type { FcmCredential } from '../../domain/fcm-credential';
import type { FcmMessage } from '../../domain/fcm-message';

/** Why no answer came: the same kinds as the APNs transport's. */
export type FcmTransportErrorKind = 'timeout' | 'reset' | 'goaway' | 'connect' | 'tls' | 'closed';

/** What became of one `messages:send`. Never thrown: every failure is one of these. */
export type FcmOutcome =
  | {
      readonly kind: 'accepted';
      readonly status: 200;
      /** FCM's message name, `projects/<project>/messages/<id>` (the log line's `messageId`). */
      readonly name: string;
      readonly latencyMs: number;
    }
  | {
      readonly kind: 'rejected';
      readonly status: number;
      /**
       * The FcmError detail's `errorCode` (UNREGISTERED, INVALID_ARGUMENT, SENDER_ID_MISMATCH, ...);
       * without one the body's gRPC status (UNAUTHENTICATED, PERMISSION_DENIED, ...); else UNSPECIFIED_ERROR.
       */
      readonly errorCode: string;
      /** `error.status` of the body (INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, ...). */
      readonly grpcStatus?: string;
      /** `error.message`, at most 200 characters (FCM's text; it never quotes the token). */
      readonly message: string;
      /** Fields named by a `google.rpc.BadRequest` detail (`message.token`, `message.android.ttl`). */
      readonly fieldViolations?: readonly string[];
      /** From `Retry-After` (seconds or an HTTP date), with 429 and 5xx. */
      readonly retryAfterMs?: number;
      readonly latencyMs: number;
    }
  | {
      readonly kind: 'transport-error';
      readonly error: FcmTransportErrorKind;
      readonly message: string;
      /**
       * False only when FCM certainly did not take the message: no connection or TLS, REFUSED_STREAM,
       * a stream above GOAWAY's last stream id, or a request never fully written.
       */
      readonly maybeDelivered: boolean;
      readonly latencyMs: number;
    }
  | {
      /** No access token could be had from the credential's token_uri; nothing was sent to FCM. */
      readonly kind: 'token-error';
      /** The token endpoint's HTTP status; absent when it gave no answer. */
      readonly status?: number;
      /** OAuth's `error` (invalid_grant, invalid_scope, ...). */
      readonly oauthError?: string;
      readonly message: string;
      /** False for a refusal of the credential (4xx but 429): retrying will not help. */
      readonly retryable: boolean;
      readonly latencyMs: number;
    };

/** The FCM transport, as the sender will use it. */
export interface FcmSender {
  send(credential: FcmCredential, message: FcmMessage): Promise<FcmOutcome>;
  close(): Promise<void>;
}

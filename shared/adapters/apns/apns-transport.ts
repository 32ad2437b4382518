import type { ApnsCredential, ApnsEnvironment } from '../../domain/apns-credential';
import type { PushKind } from '../../domain/device';

/**
 * What the APNs transport (`ApnsClient`) takes and answers, and how an APNs answer is read. The APNs
 * gateway (`apns-gateway.ts`) builds the requests and turns the outcomes into the push-gateway port's
 * decisions; the transport only carries them.
 */

/** One request to APNs, already decided by the gateway. */
export interface ApnsRequest {
  /** Device token, lower-case hex, any even length. */
  readonly token: string;
  /** Picks the APNs host (sandbox or production) unless the client has an endpoint override. */
  readonly environment: ApnsEnvironment;
  readonly pushType: PushKind;
  /** `<bundleId>.voip` for VoIP pushes, `<bundleId>` for alerts. */
  readonly topic: string;
  readonly priority: 5 | 10;
  /** apns-expiration, epoch seconds (0 = one attempt only). */
  readonly expiration: number;
  /** apns-id, a lower-case UUID. */
  readonly apnsId: string;
  readonly collapseId?: string;
  /** The JSON payload, serialized. */
  readonly payload: string;
}

export type ApnsOutcome =
  | { readonly kind: 'accepted'; readonly status: 200; readonly apnsId: string; readonly latencyMs: number }
  | {
      readonly kind: 'rejected';
      readonly status: number;
      /** APNs' reason, e.g. BadDeviceToken; 'Unknown' when the body had none. */
      readonly reason: string;
      /** With 410: ms since epoch when APNs learnt the token was invalid. */
      readonly timestamp?: number;
      readonly apnsId: string;
      readonly latencyMs: number;
    }
  | {
      readonly kind: 'transport-error';
      readonly error: 'timeout' | 'reset' | 'goaway' | 'connect' | 'tls' | 'closed';
      readonly message: string;
      readonly apnsId: string;
      readonly latencyMs: number;
      /** True when the request may have reached APNs (so a retry could ring twice). */
      readonly maybeDelivered: boolean;
    };

/** The APNs transport: sends one push with the given credential; never throws for APNs or network failures. */
export interface ApnsTransport {
  send(credential: ApnsCredential, request: ApnsRequest): Promise<ApnsOutcome>;
  /** Days until the certificate of a certificate credential expires; undefined for token auth. */
  certificateDaysLeft(credential: ApnsCredential, now?: Date): number | undefined;
  close(): Promise<void>;
}

export interface ApnsErrorBody {
  readonly reason: string;
  readonly timestamp?: number;
}

/** Reads APNs' JSON error body `{ reason, timestamp? }`; a body that is not that gives reason 'Unknown'. */
export function parseErrorBody(body: string): ApnsErrorBody {
  if (body.length === 0) return { reason: 'Unknown' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { reason: 'Unknown' };
  }
  if (typeof parsed !== 'object' || parsed === null) return { reason: 'Unknown' };
  const { reason, timestamp } = parsed as { reason?: unknown; timestamp?: unknown };
  const text = typeof reason === 'string' && reason.length > 0 ? reason : 'Unknown';
  return typeof timestamp === 'number' && Number.isFinite(timestamp)
    ? { reason: text, timestamp }
    : { reason: text };
}

/** Turns APNs' answer (status, apns-id header, body) into the port's outcome. */
export function answerOutcome(status: number, apnsId: string, body: string, latencyMs: number): ApnsOutcome {
  if (status === 200) return { kind: 'accepted', status: 200, apnsId, latencyMs };
  const { reason, timestamp } = parseErrorBody(body);
  return timestamp === undefined
    ? { kind: 'rejected', status, reason, apnsId, latencyMs }
    : { kind: 'rejected', status, reason, timestamp, apnsId, latencyMs };
}

export type TransportErrorKind = Extract<ApnsOutcome, { kind: 'transport-error' }>['error'];

/** A failure before or instead of an answer. `maybeDelivered` says whether APNs may have taken the push. */
export function transportOutcome(
  error: TransportErrorKind,
  message: string,
  apnsId: string,
  latencyMs: number,
  maybeDelivered: boolean,
): ApnsOutcome {
  return { kind: 'transport-error', error, message, apnsId, latencyMs, maybeDelivered };
}

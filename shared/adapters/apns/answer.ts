import type { PushOutcome } from '../../ports/apns-sender';

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
export function answerOutcome(status: number, apnsId: string, body: string, latencyMs: number): PushOutcome {
  if (status === 200) return { kind: 'accepted', status: 200, apnsId, latencyMs };
  const { reason, timestamp } = parseErrorBody(body);
  return timestamp === undefined
    ? { kind: 'rejected', status, reason, apnsId, latencyMs }
    : { kind: 'rejected', status, reason, timestamp, apnsId, latencyMs };
}

export type TransportErrorKind = Extract<PushOutcome, { kind: 'transport-error' }>['error'];

/** A failure before or instead of an answer. `maybeDelivered` says whether APNs may have taken the push. */
export function transportOutcome(
  error: TransportErrorKind,
  message: string,
  apnsId: string,
  latencyMs: number,
  maybeDelivered: boolean,
): PushOutcome {
  return { kind: 'transport-error', error, message, apnsId, latencyMs, maybeDelivered };
}

import type { FcmOutcome } from './fcm-outcome';

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
const MAX_MESSAGE_CHARS = 200;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** What an FCM error body `{ error: { code, message, status, details } }` says. */
export interface FcmErrorBody {
  readonly errorCode: string;
  readonly grpcStatus?: string;
  readonly message: string;
  readonly fieldViolations?: readonly string[];
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const codeOrUndefined = (value: unknown): string | undefined =>
  typeof value === 'string' && CODE.test(value) ? value : undefined;

/**
 * Reads FCM's error body. `errorCode` comes from the FcmError detail, else from the gRPC status, else
 * UNSPECIFIED_ERROR (a body that is not FCM's, e.g. a proxy's HTML page).
 */
export function parseFcmErrorBody(status: number, body: string): FcmErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { errorCode: 'UNSPECIFIED_ERROR', message: `HTTP ${status} without an FCM error body` };
  }
  const error = isObject(parsed) && isObject(parsed.error) ? parsed.error : undefined;
  if (error === undefined)
    return { errorCode: 'UNSPECIFIED_ERROR', message: `HTTP ${status} without an FCM error body` };
  const grpcStatus = codeOrUndefined(error.status);
  let fcmCode: string | undefined;
  const fields: string[] = [];
  for (const detail of Array.isArray(error.details) ? error.details : []) {
    if (!isObject(detail)) continue;
    if (detail['@type'] === FCM_ERROR_TYPE) fcmCode ??= codeOrUndefined(detail.errorCode);
    if (detail['@type'] === BAD_REQUEST_TYPE && Array.isArray(detail.fieldViolations)) {
      for (const violation of detail.fieldViolations) {
        if (isObject(violation) && typeof violation.field === 'string')
          fields.push(violation.field.slice(0, 100));
      }
    }
  }
  const message = typeof error.message === 'string' ? error.message.slice(0, MAX_MESSAGE_CHARS) : '';
  return {
    errorCode: fcmCode ?? grpcStatus ?? 'UNSPECIFIED_ERROR',
    ...(grpcStatus === undefined ? {} : { grpcStatus }),
    message,
    ...(fields.length === 0 ? {} : { fieldViolations: fields }),
  };
}

/** `Retry-After` as a delay in ms: delta-seconds or an HTTP date (RFC 9110); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form starts with the day's name; Date.parse alone would read '-5' as a year.
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** FCM's answer as an outcome: 200 with the message name, anything else a rejection. */
export function answerOutcome(
  status: number,
  retryAfter: string | string[] | undefined,
  body: string,
  latencyMs: number,
  nowMs: number,
): FcmOutcome {
  if (status === 200) {
    let name: unknown;
    try {
      name = (JSON.parse(body) as { name?: unknown }).name;
    } catch {
      // An answer 200 without its body: FCM took the message; only the name is missing.
    }
    return { kind: 'accepted', status: 200, name: typeof name === 'string' ? name : '', latencyMs };
  }
  const error = parseFcmErrorBody(status, body);
  const retryAfterMs = parseRetryAfter(retryAfter, nowMs);
  return {
    kind: 'rejected',
    status,
    ...error,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    latencyMs,
  };
}

/**
 * True when FCM refused the registration token itself (prune it), not the message: UNREGISTERED, or
 * INVALID_ARGUMENT that names `message.token` or says the registration token is not valid.
 */
export function isTokenRejection(outcome: FcmOutcome): boolean {
  if (outcome.kind !== 'rejected') return false;
  if (outcome.errorCode === 'UNREGISTERED') return true;
  if (outcome.errorCode !== 'INVALID_ARGUMENT') return false;
  return (
    outcome.fieldViolations?.includes('message.token') === true || /registration token/i.test(outcome.message)
  );
}

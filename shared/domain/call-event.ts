import type { PushKind } from './device';
import * as z from './zod-mini';

/** Identifier alphabet of callId and deviceId (docs/contracts.md, call event and registration API). */
const ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

export const CALL_EVENT_VERSION = 1;
export const MAX_RECIPIENTS = 1000;
export const DEFAULT_RING_TIMEOUT_SECONDS = 30;

const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const userId = text(1, 128);

/**
 * The call event (call-control → SQS, docs/contracts.md), version 1. The single source of truth:
 * the JSON Schema handed to call-control is generated from it. Unknown top-level fields are dropped
 * (tolerant reader), so call-control may add fields without breaking senders.
 *
 * Written with `zod/mini` (functional checks, same rules and issue codes as classic zod): the sender
 * parses every record with it, and classic zod alone was half of the sender's bundle.
 */
export const callEventSchema = z.object({
  version: z.literal(CALL_EVENT_VERSION),
  type: z.enum(['incoming_call', 'missed_call']),
  callId: text(1, 64).check(z.regex(ID_PATTERN)),
  recipients: z.array(userId).check(
    z.minLength(1),
    z.maxLength(MAX_RECIPIENTS),
    z.refine((ids) => new Set(ids).size === ids.length, { message: 'recipients must be distinct' }),
  ),
  caller: z.object({
    id: userId,
    displayName: z.optional(text(1, 128)),
    handle: z.optional(text(1, 64)),
  }),
  media: z._default(z.enum(['audio', 'video']), 'audio'),
  createdAt: z.iso.datetime({ offset: true }),
  ringTimeoutSeconds: z._default(
    z.number().check(z.int(), z.minimum(1), z.maximum(120)),
    DEFAULT_RING_TIMEOUT_SECONDS,
  ),
  data: z.optional(z.record(z.string(), z.unknown())),
});

export type CallEvent = z.output<typeof callEventSchema>;
export type CallEventInput = z.input<typeof callEventSchema>;
export type CallType = CallEvent['type'];

/** Why a queue record was rejected as a whole (never retried: it cannot get better). */
export type RejectionReason = 'invalid_json' | 'invalid_event' | 'unsupported_version' | 'payload_too_large';

export type ParseCallEventResult =
  | { readonly ok: true; readonly event: CallEvent }
  | {
      readonly ok: false;
      readonly reason: RejectionReason;
      /** Field paths and issue codes only: never the values, which may carry personal data. */
      readonly details: readonly string[];
    };

/** Parses a queue record body into a call event, or says why it is rejected. */
export function parseCallEvent(body: string): ParseCallEventResult {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'invalid_json', details: [] };
  }
  if (isRecord(raw) && raw.version !== CALL_EVENT_VERSION && raw.version !== undefined) {
    return {
      ok: false,
      reason: 'unsupported_version',
      details: [`version=${String(raw.version).slice(0, 16)}`],
    };
  }
  const parsed = callEventSchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`);
    return { ok: false, reason: 'invalid_event', details };
  }
  return { ok: true, event: parsed.data };
}

/** incoming_call rings through PushKit; missed_call is a standard alert (Apple: no VoIP push for cancellations). */
export function pushKindOf(event: CallEvent): PushKind {
  return event.type === 'incoming_call' ? 'voip' : 'alert';
}

/**
 * The fields every platform's push payload carries for a call, in this order. `callId` lets the app drop
 * a late or repeated push; `ringTimeoutSeconds` (incoming calls) tells it when the ring window ends
 * (`createdAt` + it). Each push-gateway adapter wraps them in its platform's message.
 */
export function callPayloadFields(event: CallEvent) {
  return {
    type: event.type,
    callId: event.callId,
    caller: event.caller,
    media: event.media,
    createdAt: event.createdAt,
    ...(event.type === 'incoming_call' ? { ringTimeoutSeconds: event.ringTimeoutSeconds } : {}),
    ...(event.data === undefined ? {} : { data: event.data }),
  };
}

/** End of the ring window (createdAt + ringTimeoutSeconds), ms since epoch. */
export function ringWindowEndMs(event: CallEvent): number {
  return Date.parse(event.createdAt) + event.ringTimeoutSeconds * 1000;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

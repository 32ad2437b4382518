import { z } from 'zod';

/** Identifier alphabet of design section 3 (callId) and section 2 (deviceId). */
const ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

export const CALL_EVENT_VERSION = 1;
export const MAX_RECIPIENTS = 1000;
export const DEFAULT_RING_TIMEOUT_SECONDS = 30;

const userId = z.string().min(1).max(128);

/**
 * The call event of design section 3 (call-control → SQS), version 1. The single source of truth:
 * the JSON Schema handed to call-control is generated from it. Unknown top-level fields are dropped
 * (tolerant reader), so call-control may add fields without breaking senders.
 */
export const callEventSchema = z.object({
  version: z.literal(CALL_EVENT_VERSION),
  type: z.enum(['incoming_call', 'missed_call']),
  callId: z.string().min(1).max(64).regex(ID_PATTERN),
  recipients: z
    .array(userId)
    .min(1)
    .max(MAX_RECIPIENTS)
    .refine((ids) => new Set(ids).size === ids.length, { message: 'recipients must be distinct' }),
  caller: z.object({
    id: userId,
    displayName: z.string().min(1).max(128).optional(),
    handle: z.string().min(1).max(64).optional(),
  }),
  media: z.enum(['audio', 'video']).default('audio'),
  createdAt: z.iso.datetime({ offset: true }),
  ringTimeoutSeconds: z.number().int().min(1).max(120).default(DEFAULT_RING_TIMEOUT_SECONDS),
  data: z.record(z.string(), z.unknown()).optional(),
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

/** End of the ring window (createdAt + ringTimeoutSeconds), ms since epoch. */
export function ringWindowEndMs(event: CallEvent): number {
  return Date.parse(event.createdAt) + event.ringTimeoutSeconds * 1000;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

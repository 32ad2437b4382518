/**
 * What the console's own endpoints accept. The test call is checked here only for its shape; the call
 * event it becomes is validated by the publisher with the project's call-event schema, whose field
 * problems are answered as they are.
 */
import { z } from 'zod';

export const testCallSchema = z.strictObject({
  type: z.enum(['incoming_call', 'missed_call']).default('incoming_call'),
  recipients: z.array(z.string()).min(1, 'pick at least one recipient'),
  ringTimeoutSeconds: z.number().optional(),
  callerName: z.string().min(1).max(128).optional(),
  media: z.enum(['audio', 'video']).optional(),
  /** @default a fresh `c-console-…` id */
  callId: z.string().optional(),
});
export type TestCallInput = z.output<typeof testCallSchema>;

const trigger = {
  /** Share of requests it applies to. */
  rate: z.number().min(0).max(1).optional(),
  /** Applies this many times, then is removed. */
  count: z.number().int().min(1).max(1_000_000).optional(),
  /** Requests let through first. */
  after: z.number().int().min(0).max(1_000_000).optional(),
};

/** The simulator faults the console offers: an answer status by rate, latency, stream reset, dropped connection. */
export const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('answer'),
    status: z.number().int().min(400).max(599),
    reason: z.string().regex(/^[A-Za-z]{1,64}$/, 'an APNs reason such as ServiceUnavailable'),
    timestamp: z.number().int().min(0).optional(),
    ...trigger,
  }),
  z.strictObject({
    kind: z.literal('latency'),
    ms: z.number().min(0).max(60_000),
    jitterMs: z.number().min(0).max(60_000).optional(),
    ...trigger,
  }),
  z.strictObject({
    kind: z.literal('reset'),
    errorCode: z.number().int().min(0).max(13).optional(),
    ...trigger,
  }),
  z.strictObject({ kind: z.literal('drop-connection'), ...trigger }),
]);

export const setFaultsSchema = z.strictObject({
  platform: z.string().default('ios'),
  faults: z.array(faultSchema).max(10),
});

/** SQS message ids (UUIDs for fauxqs and AWS). */
export const MESSAGE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** `?limit=` of the list endpoints: 1-500, default 200. */
export function limitFrom(raw: string | null): number | undefined {
  if (raw === null) return 200;
  const limit = Number(raw);
  return Number.isInteger(limit) && limit >= 1 && limit <= 500 ? limit : undefined;
}

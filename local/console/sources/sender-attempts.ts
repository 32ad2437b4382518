/**
 * Source 1 of the pushes panel: the sender's `push attempt` log lines (one per request to APNs or FCM),
 * read from the stack's output as parsed lines. Lines without `platform` are APNs pushes (`ios`).
 */
import type { LogLineSource, LogRecord } from '../../log-lines';

export const PUSH_ATTEMPT_MESSAGE = 'push attempt';

/** One attempt as the sender logged it, with provider-neutral names. */
export interface PushAttemptRecord {
  readonly platform: string;
  /** ms since the epoch (the line's `timestamp`). */
  readonly at: number;
  readonly callId: string;
  readonly deviceId: string;
  readonly tokenHash: string;
  readonly pushType: string;
  readonly bundleId?: string;
  readonly environment?: string;
  /** APNs' apns-id, or FCM's message name. */
  readonly providerId?: string;
  readonly statusCode?: number;
  readonly reason?: string;
  readonly attempt: number;
  readonly outcome: string;
  readonly queueDelayMs?: number;
  /** `apnsLatencyMs`: the time to the provider's answer (FCM's too). */
  readonly providerLatencyMs?: number;
  readonly deliveryLatencyMs?: number;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A `push attempt` line as a record, or undefined for any other line (or one missing its keys). */
export function toPushAttempt(record: LogRecord): PushAttemptRecord | undefined {
  if (record.message !== PUSH_ATTEMPT_MESSAGE) return undefined;
  const callId = text(record.callId);
  const deviceId = text(record.deviceId);
  const tokenHash = text(record.tokenHash);
  if (!callId || !deviceId || !tokenHash) return undefined;
  const at = Date.parse(text(record.timestamp) ?? '');
  return {
    platform: text(record.platform) ?? 'ios',
    at: Number.isNaN(at) ? Date.now() : at,
    callId,
    deviceId,
    tokenHash,
    pushType: text(record.pushType) ?? 'voip',
    attempt: number(record.attempt) ?? 1,
    outcome: text(record.outcome) ?? 'unknown',
    ...optional({
      bundleId: text(record.bundleId),
      environment: text(record.environment),
      providerId: text(record.messageId) ?? text(record.apnsId),
      statusCode: number(record.statusCode),
      reason: text(record.reason),
      queueDelayMs: number(record.queueDelayMs),
      providerLatencyMs: number(record.apnsLatencyMs),
      deliveryLatencyMs: number(record.deliveryLatencyMs),
    }),
  };
}

/** Calls `onAttempt` for every `push attempt` line the stack writes; returns the unsubscribe function. */
export function watchPushAttempts(
  lines: LogLineSource,
  onAttempt: (attempt: PushAttemptRecord) => void,
): () => void {
  return lines.subscribe((record) => {
    const attempt = toPushAttempt(record);
    if (attempt) onAttempt(attempt);
  });
}

/**
 * The Android side of the pushes panel: the messages the FCM simulator accepted, read from its control
 * API (`GET /messages?since=N`). The raw token is hashed here and never passed on; only the message's
 * delivery fields (priority, ttl, collapse key) are shown as headers, its data as the payload.
 */
import { tokenHash } from '../../../shared/domain/token-hash';
import { type ProviderPushRecord, type ProviderPushSource, pollingPushSource } from './provider-pushes';

interface SimulatorMessage {
  readonly name: string;
  readonly token: string;
  readonly message: Record<string, unknown>;
  readonly receivedAt: number;
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/** FCM's message types under the sender's push types: an incoming call is `voip`, a missed call `alert`. */
const PUSH_TYPES: Readonly<Record<string, string>> = { incoming_call: 'voip', missed_call: 'alert' };

export function fcmToProviderRecord(accepted: SimulatorMessage): ProviderPushRecord | undefined {
  const data = record(accepted.message?.data);
  const android = record(accepted.message?.android);
  if (typeof data.callId !== 'string' || typeof accepted.token !== 'string') return undefined;
  const headers: Record<string, string> = {};
  for (const field of ['priority', 'ttl', 'collapse_key'] as const) {
    if (typeof android[field] === 'string') headers[field] = android[field] as string;
  }
  return {
    platform: 'android',
    callId: data.callId,
    tokenHash: tokenHash(accepted.token),
    pushType: PUSH_TYPES[String(data.type)] ?? 'unknown',
    receivedAt: typeof accepted.receivedAt === 'number' ? accepted.receivedAt : Date.now(),
    headers,
    payload: data,
    ...(typeof accepted.name === 'string' ? { providerId: accepted.name } : {}),
  };
}

/** Polls the FCM simulator's control API for messages since the last look. */
export function fcmSimulatorPushes(controlUrl: string, intervalMs = 100): ProviderPushSource {
  return pollingPushSource<SimulatorMessage>(
    { platform: 'android', url: `${controlUrl}/messages`, field: 'messages', toRecord: fcmToProviderRecord },
    intervalMs,
  );
}

import { randomBytes } from 'node:crypto';
import { buildApnsPayload } from '../../shared/adapters/apns/apns-payload';

export const TOPIC = 'com.example.voip.voip';

/** A realistic VoIP payload, built by the sender's own payload builder (≈ 200 bytes). */
export function voipPayload(): string {
  const built = buildApnsPayload({
    version: 1,
    type: 'incoming_call',
    callId: 'c-bench-0001',
    recipients: ['user-1'],
    caller: { id: 'user-9', displayName: 'Ada Lovelace', handle: '+15550100' },
    media: 'audio',
    createdAt: new Date().toISOString(),
    ringTimeoutSeconds: 30,
    data: { room: 'r-1' },
  });
  if (!built.ok) throw new Error('bench payload does not fit');
  return built.payload;
}

/** Distinct 32-byte device tokens (64 hex), reused round robin. */
export function deviceTokens(count: number): string[] {
  return Array.from({ length: count }, () => randomBytes(32).toString('hex'));
}

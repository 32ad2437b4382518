import { randomUUID } from 'node:crypto';
import type {
  ClaimResult,
  DeliveryCompletion,
  DeliveryRecord,
  DeliveryStore,
} from '../../shared/ports/delivery-store';

/** DeliveryStore with the same claim rules as DynamoDeliveryStore, in a Map. */
export class InMemoryDeliveryStore implements DeliveryStore {
  readonly records = new Map<string, DeliveryRecord>();

  constructor(private readonly now: () => number = Date.now) {}

  async claim(callId: string, deviceId: string, leaseMs: number): Promise<ClaimResult> {
    const key = `${callId}/${deviceId}`;
    const existing = this.records.get(key);
    if (existing?.status === 'accepted') return { kind: 'already_accepted', record: existing };
    if (existing?.status === 'sending' && existing.leaseUntil > this.now()) {
      return { kind: 'leased', leaseUntil: existing.leaseUntil };
    }
    const leaseId = randomUUID();
    this.records.set(key, {
      ...existing,
      callId,
      deviceId,
      status: 'sending',
      leaseId,
      leaseUntil: this.now() + leaseMs,
      claims: (existing?.claims ?? 0) + 1,
      expiresAt: Math.floor(this.now() / 1000) + 7 * 86_400,
    });
    return { kind: 'claimed', leaseId };
  }

  async complete(callId: string, deviceId: string, completion: DeliveryCompletion): Promise<boolean> {
    const key = `${callId}/${deviceId}`;
    const existing = this.records.get(key);
    if (!existing || existing.leaseId !== completion.leaseId) return false;
    this.records.set(key, { ...existing, ...completion, completedAt: new Date(this.now()).toISOString() });
    return true;
  }

  async get(callId: string, deviceId: string): Promise<DeliveryRecord | undefined> {
    return this.records.get(`${callId}/${deviceId}`);
  }

  /** Marks a (call, device) as being sent by another worker right now. */
  holdLease(callId: string, deviceId: string, leaseMs: number): void {
    this.records.set(`${callId}/${deviceId}`, {
      callId,
      deviceId,
      status: 'sending',
      leaseId: 'other-worker',
      leaseUntil: this.now() + leaseMs,
      claims: 1,
      expiresAt: 0,
    });
  }
}

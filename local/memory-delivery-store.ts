import { randomUUID } from 'node:crypto';
import { batchShard, callShard, deliveryKey } from '../shared/adapters/dynamodb/delivery-key';
import { AMBIGUOUS_DELIVERY } from '../shared/domain/delivery-outcome';
import type { PushKind } from '../shared/domain/device';
import type {
  ClaimResult,
  DeliveryBatch,
  DeliveryCompletion,
  DeliveryKey,
  DeliveryRecord,
  DeliveryStore,
} from '../shared/ports/delivery-store';

/** The `records` map key of a delivery: the table's `pk/sk`, from the same `deliveryKey` as DynamoDB's. */
export function recordKey(key: DeliveryKey): string {
  const { pk, sk } = deliveryKey(key);
  return `${pk}/${sk}`;
}

/**
 * DeliveryStore with the same claim rules (and the same key) as DynamoDeliveryStore, in a Map: the
 * bench's lease-free baseline (what the DynamoDB writes cost) and the tests' double, which also use
 * its failure hooks (`failCompletes`, `holdLease`).
 */
export class InMemoryDeliveryStore implements DeliveryStore {
  /** By `recordKey(key)`. */
  readonly records = new Map<string, DeliveryRecord>();
  /**
   * The next this many `complete` / `recordBatch` calls throw, as DynamoDB's client does while the table
   * is unreachable.
   */
  failCompletes = 0;
  /** `complete` and `recordBatch` calls so far, failed ones included. */
  completeCalls = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async claim(key: DeliveryKey, leaseMs: number): Promise<ClaimResult> {
    const id = recordKey(key);
    const existing = this.records.get(id);
    if (existing?.status === 'accepted') return { kind: 'already_accepted', record: existing };
    if (existing?.status === 'failed' && existing.reason === AMBIGUOUS_DELIVERY)
      return { kind: 'already_sent', record: existing };
    if (existing?.status === 'sending' && (existing.leaseUntil ?? 0) > this.now()) {
      return { kind: 'leased', leaseUntil: existing.leaseUntil ?? 0 };
    }
    const leaseId = randomUUID();
    this.records.set(id, {
      ...existing,
      ...fieldsOf(key),
      status: 'sending',
      leaseId,
      leaseUntil: this.now() + leaseMs,
      claims: (existing?.claims ?? 0) + 1,
      expiresAt: Math.floor(this.now() / 1000) + 7 * 86_400,
    });
    return { kind: 'claimed', leaseId };
  }

  async complete(key: DeliveryKey, completion: DeliveryCompletion): Promise<boolean> {
    this.countWrite();
    const id = recordKey(key);
    const existing = this.records.get(id);
    if (!existing || existing.leaseId !== completion.leaseId) return false;
    this.records.set(id, { ...existing, ...completion, completedAt: new Date(this.now()).toISOString() });
    return true;
  }

  /** Every batch `recordBatch` wrote, in order. */
  readonly batches: DeliveryBatch[] = [];

  /** As DynamoDB's: a batch never hides an acceptance (a read merges the items, an acceptance wins). */
  async recordBatch(batch: DeliveryBatch): Promise<void> {
    this.countWrite();
    batchShard(batch);
    this.batches.push(batch);
    const completedAt = new Date(this.now()).toISOString();
    for (const { userId, deviceId, ...result } of batch.entries) {
      const key = { callId: batch.callId, userId, deviceId, pushType: batch.pushType };
      const id = recordKey(key);
      const existing = this.records.get(id);
      const claims = (existing?.claims ?? 0) + 1;
      const leased = existing?.status === 'sending' && result.status !== 'accepted';
      if (existing?.status === 'accepted' || leased) {
        this.records.set(id, { ...existing, claims });
        continue;
      }
      this.records.set(id, {
        ...existing,
        ...fieldsOf(key),
        ...result,
        claims,
        completedAt,
        expiresAt: Math.floor(this.now() / 1000) + 7 * 86_400,
      });
    }
  }

  /** Reads made by `readCall` so far. */
  readCallCalls = 0;

  async readCall(
    callId: string,
    pushType: PushKind,
    recipients: readonly string[],
  ): Promise<DeliveryRecord[]> {
    this.readCallCalls += 1;
    const wanted = new Set(recipients);
    return [...this.records.values()].filter(
      (r) => r.callId === callId && r.pushType === pushType && wanted.has(r.userId),
    );
  }

  /** As DynamoDB's: the recipient's shard of a call. */
  readGroup(userId: string): string {
    return callShard(userId);
  }

  private countWrite(): void {
    this.completeCalls += 1;
    if (this.failCompletes > 0) {
      this.failCompletes -= 1;
      throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
    }
  }

  async get(key: DeliveryKey): Promise<DeliveryRecord | undefined> {
    return this.records.get(recordKey(key));
  }

  /** Marks a delivery as being sent by another worker right now. */
  holdLease(key: DeliveryKey, leaseMs: number): void {
    this.records.set(recordKey(key), {
      ...fieldsOf(key),
      status: 'sending',
      leaseId: 'other-worker',
      leaseUntil: this.now() + leaseMs,
      claims: 1,
      expiresAt: 0,
    });
  }
}

const fieldsOf = ({ callId, userId, deviceId, pushType }: DeliveryKey) => ({
  callId,
  userId,
  deviceId,
  pushType,
});

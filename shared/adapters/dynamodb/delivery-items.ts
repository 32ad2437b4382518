import type { PushKind } from '../../domain/device';
import type { DeliveryBatch, DeliveryBatchEntry, DeliveryRecord } from '../../ports/delivery-store';

/**
 * The items of the deliveries table as the sender and the receipts read them (kinds and keys:
 * ports/delivery-store.ts, docs/data-model.md). A batch item keeps its entries in a list under short
 * names, since DynamoDB bills the bytes of every name: `u` userId, `d` deviceId, `s` status, `b` bundleId,
 * `e` environment, `i` apnsId, `c` statusCode, `r` reason, `a` acceptedAt. What all entries share (callId,
 * push type, createdAt, write time, TTL) is stored once.
 */

/** A batch entry's short attribute name for each field of a device's result. */
const SHORT_NAMES = {
  userId: 'u',
  deviceId: 'd',
  status: 's',
  bundleId: 'b',
  environment: 'e',
  apnsId: 'i',
  statusCode: 'c',
  reason: 'r',
  acceptedAt: 'a',
} as const satisfies Partial<Record<keyof DeliveryBatchEntry, string>>;
const FIELDS = Object.entries(SHORT_NAMES) as ReadonlyArray<[keyof typeof SHORT_NAMES, string]>;

/** The attributes of a batch item besides its key. */
export function batchAttributes(
  batch: DeliveryBatch,
  writtenAt: string,
  expiresAt: number,
): Record<string, unknown> {
  const entries = batch.entries.map((entry) =>
    Object.fromEntries(
      FIELDS.filter(([field]) => entry[field] !== undefined && entry[field] !== '').map(([field, short]) => [
        short,
        entry[field],
      ]),
    ),
  );
  return {
    callId: batch.callId,
    pushType: batch.pushType,
    createdAt: batch.entries[0]?.createdAt,
    completedAt: writtenAt,
    expiresAt,
    entries,
  };
}

const isBatch = (item: Record<string, unknown>) => Array.isArray(item.entries);

/** Every delivery a batch item or a device record holds, as `DeliveryRecord`s (one item may hold many). */
function recordsOf(item: Record<string, unknown>): DeliveryRecord[] {
  const { pk: _pk, sk: _sk, ...fields } = item;
  if (!isBatch(item)) return [fields as unknown as DeliveryRecord];
  const shared = {
    callId: String(item.callId),
    pushType: item.pushType as PushKind,
    claims: 1,
    expiresAt: Number(item.expiresAt),
    ...(typeof item.createdAt === 'string' ? { createdAt: item.createdAt } : {}),
    ...(typeof item.completedAt === 'string' ? { completedAt: item.completedAt } : {}),
  };
  return (item.entries as Record<string, unknown>[]).map(
    (entry) =>
      ({
        ...shared,
        ...Object.fromEntries(
          FIELDS.filter(([, short]) => entry[short] !== undefined).map(([field, short]) => [
            field,
            entry[short],
          ]),
        ),
      }) as unknown as DeliveryRecord,
  );
}

/** Which of two records of one delivery tells its state: an acceptance, then a strict lease, then the latest. */
function stronger(a: DeliveryRecord, b: DeliveryRecord): DeliveryRecord {
  const rank = (r: DeliveryRecord) => (r.status === 'accepted' ? 2 : r.status === 'sending' ? 1 : 0);
  if (rank(a) !== rank(b)) return rank(a) > rank(b) ? a : b;
  // Two acceptances: the first (its acceptedAt is what receipts measure from); otherwise the latest.
  if (a.status === 'accepted') return (a.acceptedAt ?? '') <= (b.acceptedAt ?? '') ? a : b;
  return (a.completedAt ?? '') >= (b.completedAt ?? '') ? a : b;
}

/** The key of one delivery among a push type's records of a call. */
export const deliveryId = (userId: string, deviceId: string) => JSON.stringify([userId, deviceId]);

/**
 * The deliveries of one call and push type held by `items` (one partition's `<VOIP|ALERT>#` items):
 * one record per (userId, deviceId), merged over every item that names it, `claims` counting them.
 */
export function mergeDeliveries(items: readonly Record<string, unknown>[]): Map<string, DeliveryRecord> {
  const merged = new Map<string, DeliveryRecord>();
  for (const item of items) {
    for (const record of recordsOf(item)) {
      const id = deliveryId(record.userId, record.deviceId);
      const known = merged.get(id);
      merged.set(
        id,
        known ? { ...stronger(known, record), claims: (known.claims ?? 1) + (record.claims ?? 1) } : record,
      );
    }
  }
  return merged;
}

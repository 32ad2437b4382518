import { createHash } from 'node:crypto';
import type { PushKind } from '../../domain/device';
import type { DeliveryKey } from '../../ports/delivery-store';

const PUSH_TYPE_PREFIX = { voip: 'VOIP', alert: 'ALERT' } as const satisfies Record<PushKind, string>;

/** The sort key's first word: every record of one push kind of a call shares it. */
export function pushTypePrefix(pushType: PushKind): string {
  const prefix = PUSH_TYPE_PREFIX[pushType];
  if (!prefix) throw new Error(`deliveryKey: unknown push type ${String(pushType)}`);
  return prefix;
}

/** Partitions one call's records spread over: one DynamoDB partition takes ≈ 1,000 write units a second. */
export const CALL_SHARDS = 16;

/** The recipient's shard of a call: the first hex digit of SHA-256(userId), so receipts find it again. */
export function callShard(userId: string): string {
  const first = createHash('sha256').update(userId).digest()[0] ?? 0;
  return (first % CALL_SHARDS).toString(16);
}

/**
 * The deliveries table key of one record, the only place it is built (sender and receipts both use it):
 * `pk = CALL#<callId>#<shard>`, `sk = <VOIP|ALERT>#DEVICE#<deviceId>#USER#<userId>`. The shard
 * (`callShard(userId)`) spreads a large call over 16 partitions; a callId never contains `#`.
 *
 * The sort key is unambiguous: the push type is a fixed word, a deviceId never contains `#`
 * (domain/device-rules.ts), and the userId comes last, so whatever it contains cannot shift the fields
 * before it. A deviceId with `#` is refused here rather than risk two records sharing a key.
 */
export function deliveryKey(key: DeliveryKey): { pk: string; sk: string } {
  if (key.deviceId.includes('#')) throw new Error('deliveryKey: deviceId must not contain "#"');
  const prefix = pushTypePrefix(key.pushType);
  return {
    pk: `CALL#${key.callId}#${callShard(key.userId)}`,
    sk: `${prefix}#DEVICE#${key.deviceId}#USER#${key.userId}`,
  };
}

/**
 * The key of one batch of push results (the default mode's write, `recordBatch`): every entry's
 * recipient is in `shard`, so the batch sits in the same partition as their per-device records and one
 * `Query` of `<VOIP|ALERT>#` reads both. `batchId` is new for each write: batches are never updated.
 */
export function batchKey(
  callId: string,
  pushType: PushKind,
  shard: string,
  batchId: string,
): { pk: string; sk: string } {
  return { pk: `CALL#${callId}#${shard}`, sk: `${pushTypePrefix(pushType)}#BATCH#${batchId}` };
}

/** The shard of a batch, after checking that every entry's recipient is in it (throws otherwise). */
export function batchShard(batch: {
  readonly group: string;
  readonly entries: readonly { readonly userId: string }[];
}): string {
  if (batch.entries.some((e) => callShard(e.userId) !== batch.group))
    throw new Error("recordBatch: every entry must be of the batch's read group");
  return batch.group;
}

/**
 * The key of the receipts of one VoIP push to one device: beside its delivery records, in a word of its
 * own (`RECEIPT#`), so the sender's reads of `VOIP#` never pay for it.
 */
export function receiptKey(callId: string, userId: string, deviceId: string): { pk: string; sk: string } {
  const { pk } = deliveryKey({ callId, userId, deviceId, pushType: 'voip' });
  return { pk, sk: `RECEIPT#DEVICE#${deviceId}#USER#${userId}` };
}

import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { AMBIGUOUS_DELIVERY } from '../../domain/delivery-outcome';
import type { PushKind } from '../../domain/device';
import { EnvDefault } from '../../platform/env-names';
import type {
  ClaimResult,
  DeliveryBatch,
  DeliveryCompletion,
  DeliveryKey,
  DeliveryRecord,
  DeliveryStore,
} from '../../ports/delivery-store';
import { batchAttributes, deliveryId, mergeDeliveries } from './delivery-items';
import { batchKey, batchShard, callShard, deliveryKey, pushTypePrefix, receiptKey } from './delivery-key';

export interface DynamoDeliveryStoreOptions {
  readonly tableName: string;
  /** @default 7 */
  readonly ttlDays?: number;
  /** ms since epoch; the server clock for leases and acceptedAt. */
  readonly now?: () => number;
}

/** DeliveryStore on the deliveries table (record shape documented in ports/delivery-store.ts). */
export class DynamoDeliveryStore implements DeliveryStore {
  private readonly tableName: string;
  private readonly ttlSeconds: number;
  private readonly now: () => number;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    options: DynamoDeliveryStoreOptions,
  ) {
    this.tableName = options.tableName;
    this.ttlSeconds = (options.ttlDays ?? EnvDefault.deliveryTtlDays) * 86_400;
    this.now = options.now ?? Date.now;
  }

  async claim(key: DeliveryKey, leaseMs: number): Promise<ClaimResult> {
    const now = this.now();
    const leaseId = randomUUID();
    const claimed = await this.update(
      key,
      {
        ...keyFields(key),
        status: 'sending',
        leaseId,
        leaseUntil: now + leaseMs,
        claimedAt: new Date(now).toISOString(),
        expiresAt: this.expiresAt(now),
      },
      {
        // Free when new, when the last attempt ended without APNs accepting (and not ambiguously: APNs
        // may have that one), or when its lease ran out.
        condition:
          'attribute_not_exists(pk) OR (#status <> :accepted AND NOT (#status = :failed AND #reason = :ambiguous) ' +
          'AND (#status <> :sending OR #leaseUntil < :now))',
        names: { '#reason': 'reason' },
        values: {
          ':accepted': 'accepted',
          ':failed': 'failed',
          ':ambiguous': AMBIGUOUS_DELIVERY,
          ':sending': 'sending',
          ':now': now,
        },
        countClaim: true,
      },
    );
    if (claimed) return { kind: 'claimed', leaseId };
    const record = await this.get(key);
    if (record?.status === 'accepted') return { kind: 'already_accepted', record };
    if (record?.status === 'failed' && record.reason === AMBIGUOUS_DELIVERY)
      return { kind: 'already_sent', record };
    // Held by another worker (or released a moment ago): either way, this attempt retries later.
    return { kind: 'leased', leaseUntil: record?.leaseUntil ?? now };
  }

  async complete(key: DeliveryKey, completion: DeliveryCompletion): Promise<boolean> {
    const now = this.now();
    const { leaseId, ...fields } = completion;
    return this.update(
      key,
      { ...fields, completedAt: new Date(now).toISOString(), expiresAt: this.expiresAt(now) },
      { condition: '#leaseId = :leaseId', names: { '#leaseId': 'leaseId' }, values: { ':leaseId': leaseId } },
    );
  }

  async recordBatch(batch: DeliveryBatch): Promise<void> {
    const shard = batchShard(batch);
    const now = this.now();
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...batchKey(batch.callId, batch.pushType, shard, randomUUID()),
          ...batchAttributes(batch, new Date(now).toISOString(), this.expiresAt(now)),
        },
      }),
    );
  }

  /** One conditional UpdateItem setting `fields` (and counting a claim): false when the condition refused it. */
  private async update(
    key: DeliveryKey,
    fields: Record<string, unknown>,
    when: {
      readonly condition: string;
      readonly names: Record<string, string>;
      readonly values: Record<string, unknown>;
      readonly countClaim?: boolean;
    },
  ): Promise<boolean> {
    const update = assignments(fields);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: deliveryKey(key),
          UpdateExpression: when.countClaim ? `${update.expression} ADD #claims :one` : update.expression,
          ConditionExpression: when.condition,
          ExpressionAttributeNames: {
            ...update.names,
            ...when.names,
            ...(when.countClaim ? { '#claims': 'claims' } : {}),
          },
          ExpressionAttributeValues: {
            ...update.values,
            ...when.values,
            ...(when.countClaim ? { ':one': 1 } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(key: DeliveryKey): Promise<DeliveryRecord | undefined> {
    const [record, receipts] = await Promise.all([
      this.readDelivery(key),
      key.pushType === 'voip' ? this.readReceipts(key) : undefined,
    ]);
    return record && withReceipts(record, receipts);
  }

  /** The receipts item of a VoIP delivery (strongly consistent), if any receipt came. */
  async readReceipts(
    key: Pick<DeliveryKey, 'callId' | 'userId' | 'deviceId'>,
  ): Promise<Record<string, unknown> | undefined> {
    const read = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: receiptKey(key.callId, key.userId, key.deviceId),
        ConsistentRead: true,
      }),
    );
    return read.Item;
  }

  /** One delivery from its shard's items, without the receipts item (one strongly consistent Query). */
  async readDelivery(key: DeliveryKey): Promise<DeliveryRecord | undefined> {
    deliveryKey(key); // refuses a deviceId the keys cannot hold
    const items = await this.queryShard(key.callId, key.pushType, callShard(key.userId));
    return mergeDeliveries(items).get(deliveryId(key.userId, key.deviceId));
  }

  /** The recipient's shard of a call: its records share one partition key. */
  readGroup(userId: string): string {
    return callShard(userId);
  }

  /** One Query per shard the recipients fall in (16 at most), paged, in parallel. */
  async readCall(
    callId: string,
    pushType: PushKind,
    recipients: readonly string[],
  ): Promise<DeliveryRecord[]> {
    const wanted = new Set(recipients);
    const shards = [...new Set(recipients.map(callShard))];
    const items = await Promise.all(shards.map((shard) => this.queryShard(callId, pushType, shard)));
    return [...mergeDeliveries(items.flat()).values()].filter((record) => wanted.has(record.userId));
  }

  /** Every item of one push type in one shard of a call: its batches and device records, all pages. */
  private async queryShard(
    callId: string,
    pushType: PushKind,
    shard: string,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    const paginator = paginateQuery(
      { client: this.doc },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :kind)',
        ExpressionAttributeValues: {
          ':pk': `CALL#${callId}#${shard}`,
          ':kind': `${pushTypePrefix(pushType)}#`,
        },
        ConsistentRead: true,
      },
    );
    for await (const page of paginator) items.push(...(page.Items ?? []));
    return items;
  }

  private expiresAt(nowMs: number): number {
    return Math.floor(nowMs / 1000) + this.ttlSeconds;
  }
}

const keyFields = ({ callId, userId, deviceId, pushType }: DeliveryKey) => ({
  callId,
  userId,
  deviceId,
  pushType,
});

/** `SET #a = :a, ...` for the defined values, every name aliased (status, reason... are reserved words). */
function assignments(values: Record<string, unknown>) {
  const entries = Object.entries(values).filter(([, value]) => value !== undefined);
  return {
    expression: `SET ${entries.map(([name]) => `#${name} = :${name}`).join(', ')}`,
    names: Object.fromEntries(entries.map(([name]) => [`#${name}`, name])),
    values: Object.fromEntries(entries.map(([name, value]) => [`:${name}`, value])),
  };
}

/** A VoIP delivery with the stages of its receipts item (a stage already on the record, as older versions wrote it, stays). */
export function withReceipts(
  record: DeliveryRecord,
  receipts: Record<string, unknown> | undefined,
): DeliveryRecord {
  const receivedAt = record.receivedAt ?? (receipts?.receivedAt as string | undefined);
  const reportedAt = record.reportedAt ?? (receipts?.reportedAt as string | undefined);
  return { ...record, ...(receivedAt ? { receivedAt } : {}), ...(reportedAt ? { reportedAt } : {}) };
}

import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { AMBIGUOUS_DELIVERY } from '../../domain/delivery-outcome';
import type { PushKind } from '../../domain/device';
import { EnvDefault } from '../../platform/env-names';
import type {
  ClaimResult,
  DeliveryCompletion,
  DeliveryKey,
  DeliveryRecord,
  DeliveryResultRecord,
  DeliveryStore,
} from '../../ports/delivery-store';
import { callShard, deliveryKey, pushTypePrefix } from './delivery-key';

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

  async record(key: DeliveryKey, result: DeliveryResultRecord): Promise<boolean> {
    const now = this.now();
    return this.update(
      key,
      {
        ...keyFields(key),
        ...result,
        completedAt: new Date(now).toISOString(),
        expiresAt: this.expiresAt(now),
      },
      {
        // Never over an acceptance (its receipts stay, and a later failure must not hide it), nor under
        // a strict-mode worker's live lease.
        condition:
          'attribute_not_exists(pk) OR (#status <> :accepted AND (#status <> :sending OR #leaseUntil < :now))',
        names: { '#leaseUntil': 'leaseUntil' },
        values: { ':accepted': 'accepted', ':sending': 'sending', ':now': now },
        countClaim: true,
      },
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
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: deliveryKey(key), ConsistentRead: true }),
    );
    if (!result.Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = result.Item;
    return record as DeliveryRecord;
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
    const pages = await Promise.all(
      shards.map(async (shard) => {
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
      }),
    );
    return pages
      .flat()
      .map(({ pk: _pk, sk: _sk, ...record }) => record as unknown as DeliveryRecord)
      .filter((record) => wanted.has(record.userId));
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

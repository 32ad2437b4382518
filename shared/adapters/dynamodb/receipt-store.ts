import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryRecord } from '../../ports/delivery-store';
import {
  type ReceiptStore,
  type ReceiptWrite,
  type ReceiptWriteInput,
  STAGE_ATTRIBUTE,
} from '../../ports/receipt-store';
import { deliveryKey } from './delivery-key';

export interface DynamoReceiptStoreOptions {
  readonly client: DynamoDBDocumentClient;
  /** The deliveries table the sender writes. */
  readonly tableName: string;
}

/** Receipts confirm VoIP pushes only, on the record of the caller's own device. */
const receiptKey = (input: ReceiptWriteInput) =>
  deliveryKey({ callId: input.callId, userId: input.userId, deviceId: input.deviceId, pushType: 'voip' });

/** ReceiptStore on the deliveries table: one conditional update per receipt, a read only when refused. */
export class DynamoReceiptStore implements ReceiptStore {
  constructor(private readonly options: DynamoReceiptStoreOptions) {}

  async recordStage(input: ReceiptWriteInput): Promise<ReceiptWrite> {
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: receiptKey(input),
          UpdateExpression: 'SET #stageAt = :at',
          // Never creates a record (attribute_exists), never overwrites a first arrival, and only for a
          // push APNs accepted to this caller's device (the key names the caller; the userId check stays
          // as a second guard). expiresAt is left alone: the sender's TTL rules.
          ConditionExpression:
            'attribute_exists(pk) AND #status = :accepted AND attribute_exists(#acceptedAt) ' +
            'AND #userId = :userId AND attribute_not_exists(#stageAt)',
          ExpressionAttributeNames: {
            '#stageAt': STAGE_ATTRIBUTE[input.stage],
            '#status': 'status',
            '#acceptedAt': 'acceptedAt',
            '#userId': 'userId',
          },
          ExpressionAttributeValues: { ':at': input.at, ':accepted': 'accepted', ':userId': input.userId },
          // The old image, read atomically with the write: tells whether this was the first receipt of
          // either stage even when `received` and `reported` race.
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { kind: 'recorded', previous: toRecord(result.Attributes) as DeliveryRecord };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const read = await this.options.client.send(
      new GetCommand({
        TableName: this.options.tableName,
        Key: receiptKey(input),
        ConsistentRead: true,
      }),
    );
    return { kind: 'not_recorded', current: toRecord(read.Item) };
  }
}

function toRecord(item: Record<string, unknown> | undefined): DeliveryRecord | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as DeliveryRecord;
}

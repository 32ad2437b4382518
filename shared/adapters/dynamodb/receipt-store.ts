import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeliveryRecord } from '../../ports/delivery-store';
import {
  isReceiptTarget,
  type ReceiptStore,
  type ReceiptWrite,
  type ReceiptWriteInput,
  STAGE_ATTRIBUTE,
} from '../../ports/receipt-store';
import { receiptKey } from './delivery-key';
import { DynamoDeliveryStore, withReceipts } from './delivery-store';

export interface DynamoReceiptStoreOptions {
  readonly client: DynamoDBDocumentClient;
  /** The deliveries table the sender writes. */
  readonly tableName: string;
}

/**
 * ReceiptStore on the deliveries table: the delivery read from its shard (one strongly consistent
 * Query), then one conditional write on the device's receipts item; a read of that item only when the
 * write is refused (the stage was recorded meanwhile).
 */
export class DynamoReceiptStore implements ReceiptStore {
  private readonly deliveries: DynamoDeliveryStore;

  constructor(private readonly options: DynamoReceiptStoreOptions) {
    this.deliveries = new DynamoDeliveryStore(options.client, { tableName: options.tableName });
  }

  async recordStage(input: ReceiptWriteInput): Promise<ReceiptWrite> {
    const { callId, userId, deviceId } = input;
    // Receipts confirm VoIP pushes only, to the caller's own device (the key names the caller).
    const delivery = await this.deliveries.readDelivery({ callId, userId, deviceId, pushType: 'voip' });
    const attribute = STAGE_ATTRIBUTE[input.stage];
    // Only a push the platform accepted to this caller's device; a stage already on the record (as older
    // versions wrote it) is a repeat.
    if (!isReceiptTarget(delivery, userId)) return { kind: 'not_recorded', current: delivery };
    if (delivery[attribute] !== undefined)
      return { kind: 'not_recorded', current: await this.withStoredReceipts(delivery) };
    try {
      const result = await this.options.client.send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: receiptKey(callId, userId, deviceId),
          UpdateExpression:
            'SET #stageAt = :at, #callId = :callId, #userId = :userId, #deviceId = :deviceId, #expiresAt = :expiresAt',
          // Never overwrites a first arrival. The receipts expire with the delivery.
          ConditionExpression: 'attribute_not_exists(#stageAt)',
          ExpressionAttributeNames: {
            '#stageAt': attribute,
            '#callId': 'callId',
            '#userId': 'userId',
            '#deviceId': 'deviceId',
            '#expiresAt': 'expiresAt',
          },
          ExpressionAttributeValues: {
            ':at': input.at,
            ':callId': callId,
            ':userId': userId,
            ':deviceId': deviceId,
            ':expiresAt': delivery.expiresAt,
          },
          // The old image, read atomically with the write: tells whether this was the first receipt of
          // either stage even when `received` and `reported` race.
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { kind: 'recorded', previous: withReceipts(delivery, result.Attributes) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    return { kind: 'not_recorded', current: await this.withStoredReceipts(delivery) };
  }

  private async withStoredReceipts(delivery: DeliveryRecord): Promise<DeliveryRecord> {
    return withReceipts(delivery, await this.deliveries.readReceipts(delivery));
  }
}

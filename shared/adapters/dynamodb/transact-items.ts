import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { type DeviceItem, deviceKey, ownerKeyOf, type TokenOwnerItem, type TokenRef } from './device-items';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The condition part of a transaction item. */
export interface Condition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** A token's owner item is as read: absent, or naming the same holder and registration time. */
export function ownerUnchanged(owner: TokenOwnerItem | undefined): Condition {
  if (!owner) return { ConditionExpression: 'attribute_not_exists(pk)' };
  return {
    ConditionExpression: '#userId = :ownerUser AND #deviceId = :ownerDevice AND #registeredAt = :ownerAt',
    ExpressionAttributeNames: {
      '#userId': 'userId',
      '#deviceId': 'deviceId',
      '#registeredAt': 'registeredAt',
    },
    ExpressionAttributeValues: {
      ':ownerUser': owner.userId,
      ':ownerDevice': owner.deviceId,
      ':ownerAt': owner.registeredAt,
    },
  };
}

/** An item with a `version` is as read: absent when `version` is undefined, else at that version. */
export const versionIs = (version: number | undefined): Condition =>
  version === undefined
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: '#version = :readVersion',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':readVersion': version },
      };

/** Deletes a token's owner item, on condition it still names the same holder as when read. */
export function deleteOwner(table: string, ref: TokenRef, owner: TokenOwnerItem): TransactItem {
  return { Delete: { TableName: table, Key: ownerKeyOf(ref), ...ownerUnchanged(owner) } };
}

/** Deletes a device item, on condition nobody wrote it since it was read. */
export function deleteDevice(table: string, item: DeviceItem): TransactItem {
  return {
    Delete: { TableName: table, Key: deviceKey(item.userId, item.deviceId), ...versionIs(item.version) },
  };
}

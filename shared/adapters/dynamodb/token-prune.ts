import { pushTokenKind, tokenAttribute } from '../../domain/device';
import type { PruneTokenInput } from '../../ports/device-repository';
import { type DeviceItem, deviceKey, isOwnedBy, ownerKeyOf, type TokenOwnerItem } from './device-items';
import type { DevicesTable } from './devices-table';
import { deleteOwner, type TransactItem } from './transact-items';

/**
 * One attempt at pruning a token its platform rejected: reads the device, then the token's owner item
 * (its key depends on the device's platform); when the device still holds the token (registered before
 * `registeredBefore`, if given), removes it from the device and deletes the owner item if it names this
 * device, in one transaction. True when it did. The push kind names the attribute on iOS (`voipToken` or
 * `alertToken`); an Android device has one token, `fcmToken`, for both kinds. Loses the race (the
 * transaction is cancelled) when the device or owner item changed since read.
 */
export async function tryPruneToken(table: DevicesTable, input: PruneTokenInput): Promise<boolean> {
  const device = await table.getItem<DeviceItem>(deviceKey(input.userId, input.deviceId));
  if (!device) return false;
  const ref = { kind: pushTokenKind(device, input.kind), token: input.token };
  const attribute = tokenAttribute(ref.kind);
  if (device[attribute] !== input.token) return false;
  if (input.registeredBefore && !(Date.parse(device.updatedAt) < input.registeredBefore.getTime()))
    return false;
  const owner = await table.getItem<TokenOwnerItem>(ownerKeyOf(ref));
  const items: TransactItem[] = [
    {
      Update: {
        TableName: table.name,
        Key: deviceKey(input.userId, input.deviceId),
        UpdateExpression: 'REMOVE #token ADD #version :one',
        ConditionExpression: '#version = :read AND #token = :token',
        ExpressionAttributeNames: { '#token': attribute, '#version': 'version' },
        ExpressionAttributeValues: { ':one': 1, ':read': device.version, ':token': input.token },
      },
    },
  ];
  if (owner && isOwnedBy(owner, input.userId, input.deviceId))
    items.push(deleteOwner(table.name, ref, owner));
  await table.transact(items);
  return true;
}

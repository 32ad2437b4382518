import { tokenAttribute } from '../../domain/device';
import type { PruneTokenInput } from '../../ports/device-repository';
import { type DeviceItem, deviceKey, isOwnedBy, ownerKey, type TokenOwnerItem } from './device-items';
import type { DevicesTable } from './devices-table';
import { deleteOwner, type TransactItem } from './transact-items';

/**
 * One attempt at pruning a token APNs rejected: reads the device and the token's owner item; when the
 * device still holds the token (registered before `registeredBefore`, if given), removes it from the
 * device and deletes the owner item if it names this device, in one transaction. True when it did.
 * Loses the race (the transaction is cancelled) when the device or owner item changed since read.
 */
export async function tryPruneToken(table: DevicesTable, input: PruneTokenInput): Promise<boolean> {
  const attribute = tokenAttribute(input.kind);
  const [device, owner] = await Promise.all([
    table.getItem<DeviceItem>(deviceKey(input.userId, input.deviceId)),
    table.getItem<TokenOwnerItem>(ownerKey(input.token)),
  ]);
  if (!device || device[attribute] !== input.token) return false;
  if (input.registeredBefore && !(Date.parse(device.updatedAt) < input.registeredBefore.getTime()))
    return false;
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
    items.push(deleteOwner(table.name, input.token, owner));
  await table.transact(items);
  return true;
}

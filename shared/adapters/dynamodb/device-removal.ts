import {
  type DeviceItem,
  deviceKey,
  heldTokens,
  isOwnedBy,
  metaKey,
  tokenRefKey,
  type UserMetaItem,
} from './device-items';
import type { DevicesTable } from './devices-table';
import { deleteDevice, deleteOwner, type TransactItem } from './transact-items';

/**
 * One attempt at removing a device: reads the device and the user's meta item, then the owners of the
 * device's tokens, and writes one transaction: delete the device, the owner items that still name it,
 * and count one device fewer in the meta item. Nothing when the device is gone. Loses the race (the
 * transaction is cancelled) when any of it changed since it was read.
 */
export async function tryRemoveDevice(table: DevicesTable, userId: string, deviceId: string): Promise<void> {
  const [device, meta] = await Promise.all([
    table.getItem<DeviceItem>(deviceKey(userId, deviceId)),
    table.getItem<UserMetaItem>(metaKey(userId)),
  ]);
  if (!device) return;
  const held = heldTokens(device);
  const owners = await table.readOwners(held);
  const items: TransactItem[] = [deleteDevice(table.name, device)];
  for (const ref of held) {
    const owner = owners.get(tokenRefKey(ref));
    if (owner && isOwnedBy(owner, userId, deviceId)) items.push(deleteOwner(table.name, ref, owner));
  }
  if (meta) {
    items.push({
      Update: {
        TableName: table.name,
        Key: metaKey(userId),
        UpdateExpression: 'SET #count = :count, #version = :next',
        ConditionExpression: '#version = :read',
        ExpressionAttributeNames: { '#count': 'deviceCount', '#version': 'version' },
        ExpressionAttributeValues: {
          ':count': Math.max(0, meta.deviceCount - 1),
          ':next': meta.version + 1,
          ':read': meta.version,
        },
      },
    });
  }
  await table.transact(items);
}

import {
  type DeviceItem,
  heldTokens,
  isOwnedBy,
  metaKey,
  tokenRefKey,
  type UserMetaItem,
} from './device-items';
import type { RegisterSnapshot } from './register-read';
import { deleteDevice, deleteOwner, type TransactItem, versionIs } from './transact-items';

/**
 * Deletes each victim and the owner items of its tokens that still name it, except tokens the
 * registration takes (`wanted`, by `tokenRefKey`), whose owner items it overwrites.
 */
export function evictVictims(
  table: string,
  userId: string,
  victims: readonly DeviceItem[],
  owners: RegisterSnapshot['owners'],
  wanted: ReadonlySet<string>,
): TransactItem[] {
  const items: TransactItem[] = [];
  for (const victim of victims) {
    items.push(deleteDevice(table, victim));
    for (const ref of heldTokens(victim)) {
      const key = tokenRefKey(ref);
      const owner = owners.get(key);
      if (!wanted.has(key) && owner && isOwnedBy(owner, userId, victim.deviceId)) {
        items.push(deleteOwner(table, ref, owner));
      }
    }
  }
  return items;
}

/** Puts the meta item for a new device: the recomputed count, on condition the meta item is as read. */
export function putMetaForNewDevice(
  table: string,
  userId: string,
  snapshot: RegisterSnapshot,
  victims: readonly DeviceItem[],
  expiresAt: number,
): TransactItem {
  const meta: UserMetaItem = {
    ...metaKey(userId),
    type: 'userMeta',
    deviceCount: snapshot.devices.length + 1 - victims.length,
    version: (snapshot.meta?.version ?? 0) + 1,
    expiresAt,
  };
  return { Put: { TableName: table, Item: meta, ...versionIs(snapshot.meta?.version) } };
}

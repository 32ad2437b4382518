import { DEFAULT_MAX_DEVICES_PER_USER } from '../domain/device-limits';
import type { RegisterDeviceInput } from '../ports/device-repository';
import { type DeviceItem, heldTokens, isOwnedBy, metaKey, type UserMetaItem } from './dynamo-device-items';
import type { RegisterSnapshot } from './dynamo-register-snapshot';
import { deleteDevice, deleteOwner, type TransactItem, versionIs } from './dynamo-transact-items';

/** At most this many devices are evicted by one registration, keeping the transaction far below 100 items. */
export const MAX_EVICTIONS_PER_REGISTRATION = 10;

/** The least recently updated devices beyond the cap, when `input` adds a new device. */
export function chooseVictims(input: RegisterDeviceInput, devices: readonly DeviceItem[]): DeviceItem[] {
  if (devices.some((device) => device.deviceId === input.deviceId)) return [];
  const cap = input.maxDevicesPerUser ?? DEFAULT_MAX_DEVICES_PER_USER;
  const excess = Math.min(devices.length + 1 - cap, MAX_EVICTIONS_PER_REGISTRATION);
  if (excess <= 0) return [];
  return [...devices]
    .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.deviceId.localeCompare(b.deviceId))
    .slice(0, excess);
}

/**
 * Deletes each victim and the owner items of its tokens that still name it, except tokens the
 * registration takes (`wanted`), whose owner items it overwrites.
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
    for (const [, token] of heldTokens(victim)) {
      const owner = owners.get(token);
      if (!wanted.has(token) && owner && isOwnedBy(owner, userId, victim.deviceId)) {
        items.push(deleteOwner(table, token, owner));
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

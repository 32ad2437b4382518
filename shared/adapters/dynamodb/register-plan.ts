import { deviceOf, registeredDevice } from '../../domain/device';
import { chooseVictims, DEFAULT_DEVICE_TTL_DAYS } from '../../domain/device-limits';
import type { RegisterDeviceInput, RegisterDeviceResult } from '../../ports/device-repository';
import { type DeviceItem, deviceKey, expiresAtSeconds, tokenRefKey } from './device-items';
import { evictVictims, putMetaForNewDevice } from './register-eviction';
import { type RegisterSnapshot, wantedTokens } from './register-read';
import { releaseOldTokens, takeTokens } from './register-tokens';
import { type TransactItem, versionIs } from './transact-items';

/**
 * Builds the one TransactWriteItems of a registration from what was read. Every write carries the
 * condition that its item is as read, so a concurrent change cancels the whole transaction. In order:
 * put the device; take its tokens (owner items, then the previous holders lose them); release the
 * tokens it no longer uses; for a new device beyond the cap, evict the least recently updated ones and
 * put the meta item, which serializes new devices.
 */
export function planRegister(
  table: string,
  input: RegisterDeviceInput,
  snapshot: RegisterSnapshot,
): { items: TransactItem[]; result: RegisterDeviceResult } {
  const { userId, deviceId, now } = input;
  const nowIso = now.toISOString();
  const expiresAt = expiresAtSeconds(now, input.ttlDays ?? DEFAULT_DEVICE_TTL_DAYS);
  const current = snapshot.devices.find((device) => device.deviceId === deviceId);
  const victims = chooseVictims(snapshot.devices, input.deviceId, input.maxDevicesPerUser);
  const victimIds = new Set(victims.map((victim) => victim.deviceId));
  const wantedSet = new Set(wantedTokens(input).map(tokenRefKey));

  const device: DeviceItem = {
    ...deviceKey(userId, deviceId),
    type: 'device',
    ...registeredDevice(input, current?.createdAt ?? nowIso, nowIso),
    version: (current?.version ?? 0) + 1,
    expiresAt,
  };
  const taken = takeTokens(table, input, snapshot, victimIds, nowIso, expiresAt);
  const items: TransactItem[] = [
    { Put: { TableName: table, Item: device, ...versionIs(current?.version) } },
    ...taken.items,
    ...releaseOldTokens(table, input, current, snapshot.owners, wantedSet),
    ...evictVictims(table, userId, victims, snapshot.owners, wantedSet),
  ];
  if (!current) items.push(putMetaForNewDevice(table, userId, snapshot, victims, expiresAt));

  return {
    items,
    result: {
      device: deviceOf(device),
      moved: taken.moved,
      evicted: victims.map((victim) => victim.deviceId),
    },
  };
}

import { registrationTokens } from '../../domain/device';
import { chooseVictims } from '../../domain/device-limits';
import type { RegisterDeviceInput } from '../../ports/device-repository';
import {
  DEVICE_SK_PREFIX,
  type DeviceItem,
  deviceKey,
  heldTokens,
  META_SK,
  type TokenOwnerItem,
  type TokenRef,
  tokenRefKey,
  type UserMetaItem,
} from './device-items';
import type { DevicesTable } from './devices-table';

/** What a registration read, consistently, before it writes. */
export interface RegisterSnapshot {
  /** The user's device items (the device being registered included, when it exists). */
  readonly devices: readonly DeviceItem[];
  readonly meta: UserMetaItem | undefined;
  /** Owner items of every token involved (new, replaced, evicted), by `tokenRefKey`. */
  readonly owners: ReadonlyMap<string, TokenOwnerItem | undefined>;
  /** Devices of other users that hold one of the new tokens, by `userId\0deviceId`. */
  readonly otherDevices: ReadonlyMap<string, DeviceItem | undefined>;
}

export const deviceRef = (userId: string, deviceId: string) => `${userId}\u0000${deviceId}`;

/** The tokens a registration asks for: the VoIP token, then the alert token if any (iOS); the FCM token (Android). */
export function wantedTokens(input: RegisterDeviceInput): TokenRef[] {
  return registrationTokens(input).map(([kind, token]) => ({ kind, token }));
}

/**
 * Everything a registration's conditions depend on, read strongly consistently in two rounds: the
 * user's partition and the new tokens' owners; then the owners of tokens the registration releases
 * (this device's old ones, the evicted devices') and the other users' devices that hold a new token.
 */
export async function readForRegister(
  table: DevicesTable,
  input: RegisterDeviceInput,
): Promise<RegisterSnapshot> {
  const wanted = wantedTokens(input);
  const [partition, wantedOwners] = await Promise.all([
    table.queryUser(input.userId),
    table.readOwners(wanted),
  ]);
  const devices = partition.filter((item) => item.sk.startsWith(DEVICE_SK_PREFIX)) as DeviceItem[];
  const meta = partition.find((item) => item.sk === META_SK) as UserMetaItem | undefined;
  const current = devices.find((device) => device.deviceId === input.deviceId);

  const released = [current, ...chooseVictims(devices, input.deviceId, input.maxDevicesPerUser)].flatMap(
    (item) => (item ? heldTokens(item) : []),
  );
  const otherRefs = [...wantedOwners.values()].filter(
    (owner): owner is TokenOwnerItem => owner !== undefined && owner.userId !== input.userId,
  );
  const [releasedOwners, others] = await Promise.all([
    table.readOwners(released.filter((ref) => !wantedOwners.has(tokenRefKey(ref)))),
    Promise.all(otherRefs.map((owner) => table.getItem<DeviceItem>(deviceKey(owner.userId, owner.deviceId)))),
  ]);
  const otherDevices = new Map<string, DeviceItem | undefined>();
  otherRefs.forEach((owner, i) => {
    otherDevices.set(deviceRef(owner.userId, owner.deviceId), others[i]);
  });
  return { devices, meta, owners: new Map([...wantedOwners, ...releasedOwners]), otherDevices };
}

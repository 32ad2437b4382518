import type { RegisterDeviceInput } from '../ports/device-repository';
import {
  DEVICE_SK_PREFIX,
  type DeviceItem,
  deviceKey,
  heldTokens,
  META_SK,
  type TokenOwnerItem,
  type UserMetaItem,
} from './dynamo-device-items';
import type { DevicesTable } from './dynamo-devices-table';
import { victimsOf } from './dynamo-register-eviction';
import { deviceRef, type RegisterSnapshot, wantedTokens } from './dynamo-register-snapshot';

/**
 * Everything a registration's conditions depend on, read strongly consistently in two rounds: the
 * user's partition and the new tokens' owners; then the owners of tokens the registration releases
 * (this device's old ones, the evicted devices') and the other users' devices that hold a new token.
 */
export async function readForRegister(
  table: DevicesTable,
  input: RegisterDeviceInput,
): Promise<RegisterSnapshot> {
  const wanted = wantedTokens(input).map(([, token]) => token);
  const [partition, wantedOwners] = await Promise.all([
    table.queryUser(input.userId),
    table.readOwners(wanted),
  ]);
  const devices = partition.filter((item) => item.sk.startsWith(DEVICE_SK_PREFIX)) as DeviceItem[];
  const meta = partition.find((item) => item.sk === META_SK) as UserMetaItem | undefined;
  const current = devices.find((device) => device.deviceId === input.deviceId);

  const released = [current, ...victimsOf(input, devices)].flatMap((item) =>
    item ? heldTokens(item).map(([, token]) => token) : [],
  );
  const otherRefs = [...wantedOwners.values()].filter(
    (owner): owner is TokenOwnerItem => owner !== undefined && owner.userId !== input.userId,
  );
  const [releasedOwners, others] = await Promise.all([
    table.readOwners(released.filter((token) => !wantedOwners.has(token))),
    Promise.all(otherRefs.map((owner) => table.getItem<DeviceItem>(deviceKey(owner.userId, owner.deviceId)))),
  ]);
  const otherDevices = new Map<string, DeviceItem | undefined>();
  otherRefs.forEach((owner, i) => {
    otherDevices.set(deviceRef(owner.userId, owner.deviceId), others[i]);
  });
  return { devices, meta, owners: new Map([...wantedOwners, ...releasedOwners]), otherDevices };
}

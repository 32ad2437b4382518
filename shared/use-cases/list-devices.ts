import type { Device } from '../domain/device';
import type { DeviceRepository } from '../ports/device-repository';

export interface ListDevicesDeps {
  readonly repository: DeviceRepository;
}

/** GET /v1/devices: the caller's own devices only, ordered by deviceId. */
export async function listDevices(
  deps: ListDevicesDeps,
  request: { readonly userId: string },
): Promise<Device[]> {
  const devices = await deps.repository.listByUser(request.userId);
  return devices
    .filter((device) => device.userId === request.userId)
    .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
}

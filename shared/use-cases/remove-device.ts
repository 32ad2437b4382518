import { parseDeviceId } from '../domain/device-rules';
import type { EventLogger } from '../platform/logger';
import type { DeviceRepository } from '../ports/device-repository';

export interface RemoveDeviceDeps {
  readonly repository: DeviceRepository;
  readonly logger?: EventLogger;
}

/** DELETE /v1/devices/{deviceId}: removes the caller's device and releases its tokens; idempotent. */
export async function removeDevice(
  deps: RemoveDeviceDeps,
  request: { readonly userId: string; readonly deviceId: string },
): Promise<void> {
  const deviceId = parseDeviceId(request.deviceId);
  await deps.repository.remove(request.userId, deviceId);
  deps.logger?.info('device removed', { userId: request.userId, deviceId });
}

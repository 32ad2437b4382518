import { parseDeviceId } from '../domain/device-rules';
import type { DeviceRepository } from '../ports/device-repository';
import type { LogSink } from '../ports/log';

export interface RemoveDeviceDeps {
  readonly repository: DeviceRepository;
  readonly log?: LogSink;
}

/** DELETE /v1/devices/{deviceId}: removes the caller's device and releases its tokens; idempotent. */
export async function removeDevice(
  deps: RemoveDeviceDeps,
  request: { readonly userId: string; readonly deviceId: string },
): Promise<void> {
  const deviceId = parseDeviceId(request.deviceId);
  await deps.repository.remove(request.userId, deviceId);
  deps.log?.info('device removed', { userId: request.userId, deviceId });
}

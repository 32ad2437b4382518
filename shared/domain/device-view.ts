import { z } from 'zod';
import { type Device, deviceOf, platformOf } from './device';

/**
 * What the API shows of a device (docs/contracts.md, registration API): never the owner's user id or storage internals.
 * `platform` is always shown (`ios` for devices stored before Android existed); `environment`,
 * `voipToken` and `alertToken` only on iOS devices, `fcmToken` only on Android ones.
 * Exported as a schema so the OpenAPI document can be checked against it.
 */
export const deviceViewSchema = z.object({
  deviceId: z.string(),
  platform: z.enum(['ios', 'android']),
  bundleId: z.string(),
  environment: z.enum(['sandbox', 'production']).optional(),
  voipToken: z.string().optional(),
  alertToken: z.string().optional(),
  fcmToken: z.string().optional(),
  appVersion: z.string().optional(),
  locale: z.string().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export type DeviceView = z.output<typeof deviceViewSchema>;

export const listDevicesResponseSchema = z.object({ devices: z.array(deviceViewSchema) });

export function toDeviceView(device: Device): DeviceView {
  const { userId: _owner, platform: _platform, deviceId, ...rest } = deviceOf(device);
  return { deviceId, platform: platformOf(device), ...rest };
}

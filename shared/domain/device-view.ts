import { z } from 'zod';
import { type Device, deviceOf } from './device';

/**
 * What the API shows of a device (docs/contracts.md, registration API): never the owner's user id or storage internals.
 * Exported as a schema so the OpenAPI document can be checked against it.
 */
export const deviceViewSchema = z.object({
  deviceId: z.string(),
  bundleId: z.string(),
  environment: z.enum(['sandbox', 'production']),
  voipToken: z.string().optional(),
  alertToken: z.string().optional(),
  appVersion: z.string().optional(),
  locale: z.string().optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export type DeviceView = z.output<typeof deviceViewSchema>;

export const listDevicesResponseSchema = z.object({ devices: z.array(deviceViewSchema) });

export function toDeviceView(device: Device): DeviceView {
  const { userId: _owner, platform: _platform, ...view } = deviceOf(device);
  return view;
}

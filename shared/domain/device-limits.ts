/**
 * Registration limits and their defaults (design section 2), without the input schemas of
 * `device-rules.ts`: the DynamoDB adapters, which the sender bundles too, need only these numbers, and
 * importing them from `device-rules.ts` would bring classic zod into the sender (docs/performance.md
 * section 4).
 */

export const DEFAULT_MAX_DEVICES_PER_USER = 20;
export const DEFAULT_DEVICE_TTL_DAYS = 180;

/** Limits a registration runs under; both configurable per deployment. */
export interface DeviceLimits {
  readonly maxDevicesPerUser: number;
  readonly deviceTtlDays: number;
}

export const DEFAULT_DEVICE_LIMITS: DeviceLimits = {
  maxDevicesPerUser: DEFAULT_MAX_DEVICES_PER_USER,
  deviceTtlDays: DEFAULT_DEVICE_TTL_DAYS,
};

/**
 * Registration limits and their defaults (docs/contracts.md, registration API), without the input schemas of
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

/** At most this many devices are evicted by one registration, keeping its transaction far below 100 items. */
export const MAX_EVICTIONS_PER_REGISTRATION = 10;

/**
 * The eviction rule: when a registration adds a new device (`deviceId` not among `devices`, the user's
 * current ones) and the user would then have more than `maxDevicesPerUser`, the least recently updated
 * devices go (ties by deviceId), at most MAX_EVICTIONS_PER_REGISTRATION of them. A re-registration
 * evicts nothing.
 */
export function chooseVictims<D extends { readonly deviceId: string; readonly updatedAt: string }>(
  devices: readonly D[],
  deviceId: string,
  maxDevicesPerUser: number = DEFAULT_MAX_DEVICES_PER_USER,
): D[] {
  if (devices.some((device) => device.deviceId === deviceId)) return [];
  const excess = Math.min(devices.length + 1 - maxDevicesPerUser, MAX_EVICTIONS_PER_REGISTRATION);
  if (excess <= 0) return [];
  return [...devices]
    .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.deviceId.localeCompare(b.deviceId))
    .slice(0, excess);
}

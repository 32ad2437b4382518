import { type Device, pushTokenKind, tokenAttribute } from '../../shared/domain/device';
import type { DeviceRepository, PruneTokenInput } from '../../shared/ports/device-repository';

/** Minimal DeviceRepository for the sender: listByUser and pruneToken over devices given up front. */
export class FakeDeviceRepository implements Pick<DeviceRepository, 'listByUser' | 'pruneToken'> {
  readonly pruned: PruneTokenInput[] = [];
  readonly failingUsers = new Set<string>();
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;
  /** A lookup of one of these users waits until its promise settles (a slow partition, say). */
  readonly gates = new Map<string, Promise<void>>();
  private readonly byUser = new Map<string, Device[]>();

  constructor(devices: readonly Device[] = []) {
    for (const device of devices) this.put(device);
  }

  put(device: Device): void {
    const list = (this.byUser.get(device.userId) ?? []).filter((d) => d.deviceId !== device.deviceId);
    this.byUser.set(device.userId, [...list, device]);
  }

  device(userId: string, deviceId: string): Device | undefined {
    return this.byUser.get(userId)?.find((d) => d.deviceId === deviceId);
  }

  async listByUser(userId: string): Promise<Device[]> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      await this.gates.get(userId);
      if (this.failingUsers.has(userId)) throw new Error(`lookup failed for ${userId}`);
      return [...(this.byUser.get(userId) ?? [])];
    } finally {
      this.inFlight -= 1;
    }
  }

  async pruneToken(input: PruneTokenInput): Promise<boolean> {
    this.pruned.push(input);
    const device = this.device(input.userId, input.deviceId);
    if (!device) return false;
    // An Android device's FCM token serves both push kinds, as in the real repository.
    const field = tokenAttribute(pushTokenKind(device, input.kind));
    if (device[field] !== input.token) return false;
    if (input.registeredBefore && Date.parse(device.updatedAt) >= input.registeredBefore.getTime())
      return false;
    const { [field]: _removed, ...rest } = device;
    this.put(rest as Device);
    return true;
  }
}

let counter = 0;

/** A device with fresh random-looking tokens; override any field. */
export function aDevice(overrides: Partial<Device> & { userId: string }): Device {
  counter += 1;
  const hex = counter.toString(16).padStart(8, '0');
  return {
    deviceId: `dev-${counter}`,
    bundleId: 'com.example.app',
    environment: 'production',
    voipToken: `${'ab'.repeat(28)}${hex}`,
    alertToken: `${'cd'.repeat(28)}${hex}`,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

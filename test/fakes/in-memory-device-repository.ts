import {
  type Device,
  deviceOf,
  type PushKind,
  registeredDevice,
  tokenAttribute,
} from '../../shared/domain/device';
import { chooseVictims, DEFAULT_DEVICE_TTL_DAYS } from '../../shared/domain/device-limits';
import type {
  DeviceRepository,
  PruneTokenInput,
  RegisterDeviceInput,
  RegisterDeviceResult,
  TokenMove,
} from '../../shared/ports/device-repository';

interface StoredDevice extends Device {
  readonly expiresAtMs: number;
}

interface TokenOwner {
  readonly userId: string;
  readonly deviceId: string;
  readonly kind: PushKind;
}

const keyOf = (userId: string, deviceId: string) => `${userId}\u0000${deviceId}`;

function without(device: StoredDevice, kind: PushKind): StoredDevice {
  const { [tokenAttribute(kind)]: _removed, ...rest } = device;
  return rest;
}

/**
 * The DeviceRepository's semantics without DynamoDB, for use-case and handler tests: one owner per token
 * (a registration moves it), cap eviction of the least recently updated, prune rules, TTL expiry on read.
 */
export class InMemoryDeviceRepository implements DeviceRepository {
  private readonly devices = new Map<string, StoredDevice>();
  private readonly owners = new Map<string, TokenOwner>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  async register(input: RegisterDeviceInput): Promise<RegisterDeviceResult> {
    const key = keyOf(input.userId, input.deviceId);
    const current = this.devices.get(key);
    const nowIso = input.now.toISOString();
    const ttlDays = input.ttlDays ?? DEFAULT_DEVICE_TTL_DAYS;
    const wanted: [PushKind, string][] = [['voip', input.voipToken]];
    if (input.alertToken !== undefined) wanted.push(['alert', input.alertToken]);

    const evicted: string[] = [];
    if (!current) {
      const mine = [...this.devices.values()].filter((device) => device.userId === input.userId);
      for (const victim of chooseVictims(mine, input.deviceId, input.maxDevicesPerUser)) {
        this.delete(victim);
        evicted.push(victim.deviceId);
      }
    }

    // Release tokens this device held before and no longer uses.
    const newTokens = new Set(wanted.map(([, token]) => token));
    for (const kind of ['voip', 'alert'] as const) {
      const old = current?.[tokenAttribute(kind)];
      const owner = old === undefined ? undefined : this.owners.get(old);
      if (old && !newTokens.has(old) && owner?.userId === input.userId && owner.deviceId === input.deviceId) {
        this.owners.delete(old);
      }
    }

    const moved: TokenMove[] = [];
    for (const [kind, token] of wanted) {
      const owner = this.owners.get(token);
      if (owner && (owner.userId !== input.userId || owner.deviceId !== input.deviceId)) {
        const previous = this.devices.get(keyOf(owner.userId, owner.deviceId));
        if (previous) {
          let updated = previous;
          for (const k of ['voip', 'alert'] as const) {
            if (updated[tokenAttribute(k)] === token) updated = without(updated, k);
          }
          this.devices.set(keyOf(owner.userId, owner.deviceId), updated);
        }
        moved.push({ kind, fromUserId: owner.userId, fromDeviceId: owner.deviceId });
      }
      this.owners.set(token, { userId: input.userId, deviceId: input.deviceId, kind });
    }

    const device: StoredDevice = {
      ...registeredDevice(input, current?.createdAt ?? nowIso, nowIso),
      expiresAtMs: input.now.getTime() + ttlDays * 86_400_000,
    };
    this.devices.set(key, device);
    return { device: deviceOf(device), moved, evicted };
  }

  async get(userId: string, deviceId: string): Promise<Device | undefined> {
    const device = this.devices.get(keyOf(userId, deviceId));
    return device && this.isLive(device) ? deviceOf(device) : undefined;
  }

  async listByUser(userId: string): Promise<Device[]> {
    return [...this.devices.values()]
      .filter((device) => device.userId === userId && this.isLive(device))
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId))
      .map(deviceOf);
  }

  async remove(userId: string, deviceId: string): Promise<void> {
    const device = this.devices.get(keyOf(userId, deviceId));
    if (device) this.delete(device);
  }

  async pruneToken(input: PruneTokenInput): Promise<boolean> {
    const key = keyOf(input.userId, input.deviceId);
    const device = this.devices.get(key);
    if (!device || device[tokenAttribute(input.kind)] !== input.token) return false;
    if (input.registeredBefore && !(Date.parse(device.updatedAt) < input.registeredBefore.getTime()))
      return false;
    this.devices.set(key, without(device, input.kind));
    const owner = this.owners.get(input.token);
    if (owner?.userId === input.userId && owner.deviceId === input.deviceId) this.owners.delete(input.token);
    return true;
  }

  /** Test helper: who owns a token now. */
  ownerOf(token: string): TokenOwner | undefined {
    return this.owners.get(token);
  }

  private delete(device: StoredDevice): void {
    this.devices.delete(keyOf(device.userId, device.deviceId));
    for (const token of [device.voipToken, device.alertToken]) {
      const owner = token === undefined ? undefined : this.owners.get(token);
      if (token && owner?.userId === device.userId && owner.deviceId === device.deviceId)
        this.owners.delete(token);
    }
  }

  private isLive(device: StoredDevice): boolean {
    return device.expiresAtMs > this.clock().getTime();
  }
}

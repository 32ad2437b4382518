import {
  type Device,
  deviceOf,
  heldTokens,
  type Platform,
  platformOfToken,
  pushTokenKind,
  registeredDevice,
  registrationTokens,
  type TokenKind,
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
  readonly kind: TokenKind;
}

const keyOf = (userId: string, deviceId: string) => `${userId}\u0000${deviceId}`;
/** Like the table's owner items: FCM tokens apart from APNs tokens, both exactly as given. */
const ownerRef = (kind: TokenKind, token: string) => `${platformOfToken(kind)}:${token}`;

function without(device: StoredDevice, kind: TokenKind): StoredDevice {
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
    const wanted = registrationTokens(input);

    const evicted: string[] = [];
    if (!current) {
      const mine = [...this.devices.values()].filter((device) => device.userId === input.userId);
      for (const victim of chooseVictims(mine, input.deviceId, input.maxDevicesPerUser)) {
        this.delete(victim);
        evicted.push(victim.deviceId);
      }
    }

    // Release tokens this device held before and no longer uses.
    const newTokens = new Set(wanted.map(([kind, token]) => ownerRef(kind, token)));
    for (const [kind, old] of current ? heldTokens(current) : []) {
      const ref = ownerRef(kind, old);
      const owner = this.owners.get(ref);
      if (!newTokens.has(ref) && owner?.userId === input.userId && owner.deviceId === input.deviceId) {
        this.owners.delete(ref);
      }
    }

    const moved: TokenMove[] = [];
    for (const [kind, token] of wanted) {
      const ref = ownerRef(kind, token);
      const owner = this.owners.get(ref);
      if (owner && (owner.userId !== input.userId || owner.deviceId !== input.deviceId)) {
        const previous = this.devices.get(keyOf(owner.userId, owner.deviceId));
        if (previous) {
          let updated = previous;
          for (const [k, held] of heldTokens(previous)) {
            if (ownerRef(k, held) === ref) updated = without(updated, k);
          }
          this.devices.set(keyOf(owner.userId, owner.deviceId), updated);
        }
        moved.push({ kind, fromUserId: owner.userId, fromDeviceId: owner.deviceId });
      }
      this.owners.set(ref, { userId: input.userId, deviceId: input.deviceId, kind });
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
    if (!device) return false;
    const kind = pushTokenKind(device, input.kind);
    if (device[tokenAttribute(kind)] !== input.token) return false;
    if (input.registeredBefore && !(Date.parse(device.updatedAt) < input.registeredBefore.getTime()))
      return false;
    this.devices.set(key, without(device, kind));
    const ref = ownerRef(kind, input.token);
    const owner = this.owners.get(ref);
    if (owner?.userId === input.userId && owner.deviceId === input.deviceId) this.owners.delete(ref);
    return true;
  }

  /** Test helper: who owns a token of a platform now. */
  ownerOf(token: string, platform: Platform = 'ios'): TokenOwner | undefined {
    return this.owners.get(ownerRef(platform === 'android' ? 'fcm' : 'voip', token));
  }

  private delete(device: StoredDevice): void {
    this.devices.delete(keyOf(device.userId, device.deviceId));
    for (const [kind, token] of heldTokens(device)) {
      const ref = ownerRef(kind, token);
      const owner = this.owners.get(ref);
      if (owner?.userId === device.userId && owner.deviceId === device.deviceId) this.owners.delete(ref);
    }
  }

  private isLive(device: StoredDevice): boolean {
    return device.expiresAtMs > this.clock().getTime();
  }
}

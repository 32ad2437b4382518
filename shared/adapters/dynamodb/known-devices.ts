import { type Device, heldTokens, type Platform, platformOf, type TokenKind } from '../../domain/device';

/**
 * What this process last wrote for a device: enough to try a refresh without reading first.
 * `createdAt` is part of the refresh's condition, so the answer it builds is the stored one.
 */
export interface KnownDevice {
  readonly createdAt: string;
  readonly platform: Platform;
  /** The tokens it holds, by kind (absent kinds: none). */
  readonly tokens: Readonly<Partial<Record<TokenKind, string>>>;
}

/** Bounded, least recently used first out: the devices this process registered lately. */
export class KnownDevices {
  private readonly entries = new Map<string, KnownDevice>();

  constructor(private readonly capacity: number) {}

  get(userId: string, deviceId: string): KnownDevice | undefined {
    const key = `${userId}\u0000${deviceId}`;
    const known = this.entries.get(key);
    if (known) {
      this.entries.delete(key);
      this.entries.set(key, known);
    }
    return known;
  }

  remember(device: Device): void {
    if (this.capacity <= 0) return;
    const key = `${device.userId}\u0000${device.deviceId}`;
    this.entries.delete(key);
    this.entries.set(key, {
      createdAt: device.createdAt,
      platform: platformOf(device),
      tokens: Object.fromEntries(heldTokens(device)),
    });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }

  forget(userId: string, deviceId: string): void {
    this.entries.delete(`${userId}\u0000${deviceId}`);
  }
}

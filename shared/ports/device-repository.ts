import type { ApnsEnvironment } from '../domain/apns-credential';
import type { Device, PushKind } from '../domain/device';

export interface RegisterDeviceInput {
  readonly userId: string;
  readonly deviceId: string;
  readonly bundleId: string;
  readonly environment: ApnsEnvironment;
  readonly voipToken: string;
  readonly alertToken?: string;
  readonly appVersion?: string;
  readonly locale?: string;
  readonly now: Date;
  /** Per-user cap; beyond it the least recently updated devices are evicted. Default 20. */
  readonly maxDevicesPerUser?: number;
  /** Days without a refresh before the device expires (DynamoDB TTL). Default 180. */
  readonly ttlDays?: number;
}

/** A token taken from another (user, device) by this registration. */
export interface TokenMove {
  readonly kind: PushKind;
  readonly fromUserId: string;
  readonly fromDeviceId: string;
}

export interface RegisterDeviceResult {
  readonly device: Device;
  readonly moved: readonly TokenMove[];
  /** Device ids of this user evicted to respect the per-user cap. */
  readonly evicted: readonly string[];
}

export interface PruneTokenInput {
  readonly userId: string;
  readonly deviceId: string;
  readonly kind: PushKind;
  /** The token that APNs rejected: nothing happens if the device holds another one now. */
  readonly token: string;
  /** Prune only if the token was last registered before this moment (APNs 410 timestamp). */
  readonly registeredBefore?: Date;
}

export interface DeviceRepository {
  /** Upserts the device, moves its tokens from any other owner atomically, evicts beyond the cap. */
  register(input: RegisterDeviceInput): Promise<RegisterDeviceResult>;
  get(userId: string, deviceId: string): Promise<Device | undefined>;
  listByUser(userId: string): Promise<Device[]>;
  /** Removes the device and releases its tokens; no error when it was already gone. */
  remove(userId: string, deviceId: string): Promise<void>;
  /** Removes one token from a device after APNs declared it dead; true when it was removed. */
  pruneToken(input: PruneTokenInput): Promise<boolean>;
}

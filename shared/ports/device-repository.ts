import type { Device, DeviceRegistration, PushKind, TokenKind } from '../domain/device';

/** A registration (iOS or Android, by `platform`) and the limits it runs under. */
export type RegisterDeviceInput = DeviceRegistration & {
  readonly now: Date;
  /** Per-user cap; beyond it the least recently updated devices are evicted. Default 20. */
  readonly maxDevicesPerUser?: number;
  /** Days without a refresh before the device expires (DynamoDB TTL). Default 180. */
  readonly ttlDays?: number;
};

/** A token taken from another (user, device) by this registration. */
export interface TokenMove {
  readonly kind: TokenKind;
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
  /** The push kind that was refused; on an Android device it names its FCM token whatever the kind. */
  readonly kind: PushKind;
  /** The token that the platform rejected: nothing happens if the device holds another one now. */
  readonly token: string;
  /** Prune only if the token was last registered before this moment (APNs 410 timestamp, or the send's start). */
  readonly registeredBefore?: Date;
}

export interface DeviceRepository {
  /** Upserts the device, moves its tokens from any other owner atomically, evicts beyond the cap. */
  register(input: RegisterDeviceInput): Promise<RegisterDeviceResult>;
  get(userId: string, deviceId: string): Promise<Device | undefined>;
  listByUser(userId: string): Promise<Device[]>;
  /** Removes the device and releases its tokens; no error when it was already gone. */
  remove(userId: string, deviceId: string): Promise<void>;
  /** Removes one token from a device after its platform declared it dead; true when it was removed. */
  pruneToken(input: PruneTokenInput): Promise<boolean>;
}

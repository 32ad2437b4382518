import type { Device, PushKind } from '../../domain/device';

/** Item layout of the devices table; see docs/data-model.md. */
export const userPk = (userId: string) => `USER#${userId}`;
export const deviceSk = (deviceId: string) => `DEVICE#${deviceId}`;
export const tokenPk = (token: string) => `TOKEN#${token}`;
export const DEVICE_SK_PREFIX = 'DEVICE#';
export const OWNER_SK = 'OWNER';
export const META_SK = 'META';

export const TOKEN_KINDS: readonly PushKind[] = ['voip', 'alert'];

export interface Key {
  readonly pk: string;
  readonly sk: string;
}

/** A device as stored: the domain's Device plus the item's keys, lock counter and TTL. */
export interface DeviceItem extends Key, Device {
  readonly type: 'device';
  /** Optimistic-lock counter, bumped by every write to the item. */
  readonly version: number;
  /** TTL, epoch seconds: updatedAt + ttlDays. */
  readonly expiresAt: number;
}

/** `TOKEN#<token>` / `OWNER`: the one (user, device) that holds a token. */
export interface TokenOwnerItem extends Key {
  readonly type: 'tokenOwner';
  readonly userId: string;
  readonly deviceId: string;
  readonly kind: PushKind;
  /** ISO-8601; doubles as the optimistic-lock value of the item. */
  readonly registeredAt: string;
  readonly expiresAt: number;
}

/** `USER#<userId>` / `META`: serializes changes to a user's set of devices (the cap). */
export interface UserMetaItem extends Key {
  readonly type: 'userMeta';
  readonly deviceCount: number;
  readonly version: number;
  readonly expiresAt: number;
}

export const deviceKey = (userId: string, deviceId: string): Key => ({
  pk: userPk(userId),
  sk: deviceSk(deviceId),
});
export const ownerKey = (token: string): Key => ({ pk: tokenPk(token), sk: OWNER_SK });
export const metaKey = (userId: string): Key => ({ pk: userPk(userId), sk: META_SK });

export const expiresAtSeconds = (now: Date, ttlDays: number) =>
  Math.floor(now.getTime() / 1000) + ttlDays * 86_400;

/** Tokens a device item holds, by kind. */
export function heldTokens(item: DeviceItem): [PushKind, string][] {
  const held: [PushKind, string][] = [];
  if (item.voipToken) held.push(['voip', item.voipToken]);
  if (item.alertToken) held.push(['alert', item.alertToken]);
  return held;
}

export const isOwnedBy = (owner: TokenOwnerItem | undefined, userId: string, deviceId: string) =>
  owner !== undefined && owner.userId === userId && owner.deviceId === deviceId;

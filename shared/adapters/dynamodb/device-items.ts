import { createHash } from 'node:crypto';
import {
  type Device,
  heldTokens as deviceTokens,
  type Platform,
  platformOfToken,
  type TokenKind,
} from '../../domain/device';

/** Item layout of the devices table; see docs/data-model.md. */
export const userPk = (userId: string) => `USER#${userId}`;
export const deviceSk = (deviceId: string) => `DEVICE#${deviceId}`;
/**
 * The partition key of a token's owner item, the only place it is spelt (the local phones map tokens to
 * owners with it). APNs tokens (iOS) are lower-case hex: `TOKEN#<token>`. FCM tokens (Android) are
 * case-sensitive and may be hex-looking too, so they live apart: `TOKEN#FCM#<token>`, exactly as
 * registered; `#` is in neither alphabet, so the two can never collide. An FCM token too long for a
 * partition key (DynamoDB: 2048 bytes; the API takes 4096 characters) is keyed by its SHA-256 instead:
 * `TOKEN#FCM#SHA256#<hex>`, still exact and case-sensitive.
 */
const MAX_KEYED_FCM_TOKEN = 1024;
export const tokenPk = (token: string, platform: Platform = 'ios') =>
  platform !== 'android'
    ? `TOKEN#${token}`
    : token.length > MAX_KEYED_FCM_TOKEN
      ? `TOKEN#FCM#SHA256#${createHash('sha256').update(token).digest('hex')}`
      : `TOKEN#FCM#${token}`;
export const DEVICE_SK_PREFIX = 'DEVICE#';
export const OWNER_SK = 'OWNER';
export const META_SK = 'META';

/** A token as the table keys it: its kind (so its platform) and value. */
export interface TokenRef {
  readonly kind: TokenKind;
  readonly token: string;
}

/** The owner item's partition key of a token reference: what the register snapshot's maps are keyed by. */
export const tokenRefKey = (ref: TokenRef): string => tokenPk(ref.token, platformOfToken(ref.kind));

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

/** `TOKEN#<token>` (or `TOKEN#FCM#<token>`) / `OWNER`: the one (user, device) that holds a token. */
export interface TokenOwnerItem extends Key {
  readonly type: 'tokenOwner';
  readonly userId: string;
  readonly deviceId: string;
  readonly kind: TokenKind;
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
export const ownerKey = (token: string, platform: Platform = 'ios'): Key => ({
  pk: tokenPk(token, platform),
  sk: OWNER_SK,
});
export const ownerKeyOf = (ref: TokenRef): Key => ({ pk: tokenRefKey(ref), sk: OWNER_SK });
export const metaKey = (userId: string): Key => ({ pk: userPk(userId), sk: META_SK });

export const expiresAtSeconds = (now: Date, ttlDays: number) =>
  Math.floor(now.getTime() / 1000) + ttlDays * 86_400;

/** Tokens a device item holds. */
export function heldTokens(item: DeviceItem): TokenRef[] {
  return deviceTokens(item).map(([kind, token]) => ({ kind, token }));
}

export const isOwnedBy = (owner: TokenOwnerItem | undefined, userId: string, deviceId: string) =>
  owner !== undefined && owner.userId === userId && owner.deviceId === deviceId;

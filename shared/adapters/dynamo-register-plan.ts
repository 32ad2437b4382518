import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { TokenKind } from '../domain/device';
import { DEFAULT_DEVICE_TTL_DAYS, DEFAULT_MAX_DEVICES_PER_USER } from '../domain/device-limits';
import type { RegisterDeviceInput, RegisterDeviceResult, TokenMove } from '../ports/device-repository';
import {
  type DeviceItem,
  deviceKey,
  expiresAtSeconds,
  heldTokens,
  isOwnedBy,
  metaKey,
  ownerKey,
  type TokenOwnerItem,
  toDevice,
  tokenAttribute,
  type UserMetaItem,
} from './dynamo-device-items';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** At most this many devices are evicted by one registration, keeping the transaction far below 100 items. */
export const MAX_EVICTIONS_PER_REGISTRATION = 10;

/** What a registration read, consistently, before it writes. */
export interface RegisterSnapshot {
  /** The user's device items (the device being registered included, when it exists). */
  readonly devices: readonly DeviceItem[];
  readonly meta: UserMetaItem | undefined;
  /** Owner items of every token involved (new, replaced, evicted), by token. */
  readonly owners: ReadonlyMap<string, TokenOwnerItem | undefined>;
  /** Devices of other users that hold one of the new tokens, by `userId\0deviceId`. */
  readonly otherDevices: ReadonlyMap<string, DeviceItem | undefined>;
}

export const deviceRef = (userId: string, deviceId: string) => `${userId}\u0000${deviceId}`;

export function wantedTokens(input: RegisterDeviceInput): [TokenKind, string][] {
  const wanted: [TokenKind, string][] = [['voip', input.voipToken]];
  if (input.alertToken !== undefined) wanted.push(['alert', input.alertToken]);
  return wanted;
}

/** The least recently updated devices beyond the cap, when `input` adds a new device. */
export function chooseVictims(input: RegisterDeviceInput, devices: readonly DeviceItem[]): DeviceItem[] {
  if (devices.some((device) => device.deviceId === input.deviceId)) return [];
  const cap = input.maxDevicesPerUser ?? DEFAULT_MAX_DEVICES_PER_USER;
  const excess = Math.min(devices.length + 1 - cap, MAX_EVICTIONS_PER_REGISTRATION);
  if (excess <= 0) return [];
  return [...devices]
    .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.deviceId.localeCompare(b.deviceId))
    .slice(0, excess);
}

interface Condition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

function ownerUnchanged(owner: TokenOwnerItem | undefined): Condition {
  if (!owner) return { ConditionExpression: 'attribute_not_exists(pk)' };
  return {
    ConditionExpression: '#userId = :ownerUser AND #deviceId = :ownerDevice AND #registeredAt = :ownerAt',
    ExpressionAttributeNames: {
      '#userId': 'userId',
      '#deviceId': 'deviceId',
      '#registeredAt': 'registeredAt',
    },
    ExpressionAttributeValues: {
      ':ownerUser': owner.userId,
      ':ownerDevice': owner.deviceId,
      ':ownerAt': owner.registeredAt,
    },
  };
}

/** Deletes a token's owner item, on condition it still names the same holder as when read. */
export function deleteOwner(table: string, token: string, owner: TokenOwnerItem): TransactItem {
  return { Delete: { TableName: table, Key: ownerKey(token), ...ownerUnchanged(owner) } };
}

const versionIs = (version: number | undefined): Condition =>
  version === undefined
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: '#version = :readVersion',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':readVersion': version },
      };

/** Deletes a device item, on condition nobody wrote it since it was read. */
export function deleteDevice(table: string, item: DeviceItem): TransactItem {
  return {
    Delete: { TableName: table, Key: deviceKey(item.userId, item.deviceId), ...versionIs(item.version) },
  };
}

/**
 * Builds the one TransactWriteItems of a registration from what was read. Every write carries the
 * condition that its item is as read, so a concurrent change cancels the whole transaction.
 */
export function planRegister(
  table: string,
  input: RegisterDeviceInput,
  snapshot: RegisterSnapshot,
): { items: TransactItem[]; result: RegisterDeviceResult } {
  const { userId, deviceId, now } = input;
  const nowIso = now.toISOString();
  const expiresAt = expiresAtSeconds(now, input.ttlDays ?? DEFAULT_DEVICE_TTL_DAYS);
  const current = snapshot.devices.find((device) => device.deviceId === deviceId);
  const victims = chooseVictims(input, snapshot.devices);
  const victimIds = new Set(victims.map((victim) => victim.deviceId));
  const wanted = wantedTokens(input);
  const wantedSet = new Set(wanted.map(([, token]) => token));
  const items: TransactItem[] = [];

  const device: DeviceItem = {
    ...deviceKey(userId, deviceId),
    type: 'device',
    userId,
    deviceId,
    bundleId: input.bundleId,
    environment: input.environment,
    voipToken: input.voipToken,
    ...(input.alertToken !== undefined ? { alertToken: input.alertToken } : {}),
    ...(input.appVersion !== undefined ? { appVersion: input.appVersion } : {}),
    ...(input.locale !== undefined ? { locale: input.locale } : {}),
    createdAt: current?.createdAt ?? nowIso,
    updatedAt: nowIso,
    version: (current?.version ?? 0) + 1,
    expiresAt,
  };
  items.push({ Put: { TableName: table, Item: device, ...versionIs(current?.version) } });

  // Take each token: the owner item names this device; the previous holder loses the token.
  const moved: TokenMove[] = [];
  const losers = new Map<string, { item: DeviceItem; attributes: Set<string>; token: Map<string, string> }>();
  for (const [kind, token] of wanted) {
    const owner = snapshot.owners.get(token);
    const item: TokenOwnerItem = {
      ...ownerKey(token),
      type: 'tokenOwner',
      userId,
      deviceId,
      kind,
      registeredAt: nowIso,
      expiresAt,
    };
    items.push({ Put: { TableName: table, Item: item, ...ownerUnchanged(owner) } });
    if (!owner || isOwnedBy(owner, userId, deviceId)) continue;
    if (owner.userId === userId && victimIds.has(owner.deviceId)) continue; // evicted below, tokens and all
    moved.push({ kind, fromUserId: owner.userId, fromDeviceId: owner.deviceId });
    const previous =
      owner.userId === userId
        ? snapshot.devices.find((d) => d.deviceId === owner.deviceId)
        : snapshot.otherDevices.get(deviceRef(owner.userId, owner.deviceId));
    if (!previous) continue;
    for (const [heldKind, heldToken] of heldTokens(previous)) {
      if (heldToken !== token) continue;
      const ref = deviceRef(previous.userId, previous.deviceId);
      const loser = losers.get(ref) ?? { item: previous, attributes: new Set(), token: new Map() };
      loser.attributes.add(tokenAttribute(heldKind));
      loser.token.set(tokenAttribute(heldKind), heldToken);
      losers.set(ref, loser);
    }
  }
  for (const loser of losers.values()) {
    const attributes = [...loser.attributes];
    items.push({
      Update: {
        TableName: table,
        Key: deviceKey(loser.item.userId, loser.item.deviceId),
        UpdateExpression: `REMOVE ${attributes.map((_, i) => `#t${i}`).join(', ')} ADD #version :one`,
        ConditionExpression: attributes.map((_, i) => `#t${i} = :t${i}`).join(' AND '),
        ExpressionAttributeNames: {
          '#version': 'version',
          ...Object.fromEntries(attributes.map((name, i) => [`#t${i}`, name])),
        },
        ExpressionAttributeValues: {
          ':one': 1,
          ...Object.fromEntries(attributes.map((name, i) => [`:t${i}`, loser.token.get(name)])),
        },
      },
    });
  }

  // Release the tokens this device held before and no longer uses.
  for (const [, token] of current ? heldTokens(current) : []) {
    const owner = snapshot.owners.get(token);
    if (!wantedSet.has(token) && owner && isOwnedBy(owner, userId, deviceId))
      items.push(deleteOwner(table, token, owner));
  }

  // A new device beyond the cap evicts the least recently updated ones; the meta item serializes new devices.
  for (const victim of victims) {
    items.push(deleteDevice(table, victim));
    for (const [, token] of heldTokens(victim)) {
      const owner = snapshot.owners.get(token);
      if (!wantedSet.has(token) && owner && isOwnedBy(owner, userId, victim.deviceId)) {
        items.push(deleteOwner(table, token, owner));
      }
    }
  }
  if (!current) {
    const meta: UserMetaItem = {
      ...metaKey(userId),
      type: 'userMeta',
      deviceCount: snapshot.devices.length + 1 - victims.length,
      version: (snapshot.meta?.version ?? 0) + 1,
      expiresAt,
    };
    items.push({ Put: { TableName: table, Item: meta, ...versionIs(snapshot.meta?.version) } });
  }

  return {
    items,
    result: { device: toDevice(device), moved, evicted: victims.map((victim) => victim.deviceId) },
  };
}

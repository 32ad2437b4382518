import { tokenAttribute } from '../../domain/device';
import type { RegisterDeviceInput, TokenMove } from '../../ports/device-repository';
import {
  type DeviceItem,
  deviceKey,
  heldTokens,
  isOwnedBy,
  ownerKeyOf,
  type TokenOwnerItem,
  tokenRefKey,
} from './device-items';
import { deviceRef, type RegisterSnapshot, wantedTokens } from './register-read';
import { deleteOwner, ownerUnchanged, type TransactItem } from './transact-items';

/** A device that loses tokens to the registration: the token attributes it loses and their values. */
interface Loser {
  readonly item: DeviceItem;
  readonly attributes: Set<string>;
  readonly token: Map<string, string>;
}

/**
 * Takes each wanted token: puts its owner item naming this device (on condition the owner item is as
 * read), then removes the token from its previous holder. A holder among `victimIds` is evicted with
 * its tokens instead. Returns the owner puts followed by one update per losing device.
 */
export function takeTokens(
  table: string,
  input: RegisterDeviceInput,
  snapshot: RegisterSnapshot,
  victimIds: ReadonlySet<string>,
  nowIso: string,
  expiresAt: number,
): { items: TransactItem[]; moved: TokenMove[] } {
  const { userId, deviceId } = input;
  const items: TransactItem[] = [];
  const moved: TokenMove[] = [];
  const losers = new Map<string, Loser>();
  for (const ref of wantedTokens(input)) {
    const { kind } = ref;
    const key = tokenRefKey(ref);
    const owner = snapshot.owners.get(key);
    const item: TokenOwnerItem = {
      ...ownerKeyOf(ref),
      type: 'tokenOwner',
      userId,
      deviceId,
      kind,
      registeredAt: nowIso,
      expiresAt,
    };
    items.push({ Put: { TableName: table, Item: item, ...ownerUnchanged(owner) } });
    if (!owner || isOwnedBy(owner, userId, deviceId)) continue;
    if (owner.userId === userId && victimIds.has(owner.deviceId)) continue; // evicted, tokens and all
    moved.push({ kind, fromUserId: owner.userId, fromDeviceId: owner.deviceId });
    const previous =
      owner.userId === userId
        ? snapshot.devices.find((d) => d.deviceId === owner.deviceId)
        : snapshot.otherDevices.get(deviceRef(owner.userId, owner.deviceId));
    if (!previous) continue;
    for (const held of heldTokens(previous)) {
      if (tokenRefKey(held) !== key) continue;
      const holder = deviceRef(previous.userId, previous.deviceId);
      const loser = losers.get(holder) ?? { item: previous, attributes: new Set(), token: new Map() };
      loser.attributes.add(tokenAttribute(held.kind));
      loser.token.set(tokenAttribute(held.kind), held.token);
      losers.set(holder, loser);
    }
  }
  for (const loser of losers.values()) items.push(removeLostTokens(table, loser));
  return { items, moved };
}

/** Removes the lost token attributes from a device, on condition it still holds those tokens. */
function removeLostTokens(table: string, loser: Loser): TransactItem {
  const attributes = [...loser.attributes];
  return {
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
  };
}

/** Releases the tokens the device held before and no longer uses (`wanted` by `tokenRefKey`): deletes owner items still naming it. */
export function releaseOldTokens(
  table: string,
  input: RegisterDeviceInput,
  current: DeviceItem | undefined,
  owners: RegisterSnapshot['owners'],
  wanted: ReadonlySet<string>,
): TransactItem[] {
  const items: TransactItem[] = [];
  for (const ref of current ? heldTokens(current) : []) {
    const key = tokenRefKey(ref);
    const owner = owners.get(key);
    if (!wanted.has(key) && owner && isOwnedBy(owner, input.userId, input.deviceId))
      items.push(deleteOwner(table, ref, owner));
  }
  return items;
}

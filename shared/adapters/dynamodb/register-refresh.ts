import { registeredDevice, registrationTokens, type TokenKind, tokenAttribute } from '../../domain/device';
import { DEFAULT_DEVICE_TTL_DAYS } from '../../domain/device-limits';
import type { RegisterDeviceInput, RegisterDeviceResult } from '../../ports/device-repository';
import { deviceKey, expiresAtSeconds, ownerKeyOf } from './device-items';
import type { KnownDevice } from './known-devices';
import { wantedTokens } from './register-read';
import type { TransactItem } from './transact-items';

const TOKEN_KINDS: readonly TokenKind[] = ['voip', 'alert', 'fcm'];

/**
 * The one TransactWriteItems of a refresh: the device re-registers with the tokens it already holds.
 * Written without reading, it is right only if the device is the one `known` describes (same
 * `createdAt`, so not removed and registered anew; same platform and tokens) and every token's owner
 * item still names this device. The conditions say exactly that, so when any of it is false the
 * transaction is cancelled, nothing is written, and the caller reads and plans instead (planRegister).
 *
 * When they hold, the writes equal what planRegister writes for this case: no token moves, nothing is
 * released or evicted, META untouched; the device gets the input's attributes (absent optional ones
 * removed, as the full path's Put does), `updatedAt` and `expiresAt` now, `version + 1`, `createdAt`
 * kept; each owner item gets `registeredAt` and `expiresAt` now. Undefined when the input cannot be a
 * refresh of `known`.
 */
export function planRefresh(
  table: string,
  input: RegisterDeviceInput,
  known: KnownDevice,
): { items: TransactItem[]; result: RegisterDeviceResult } | undefined {
  const platform = input.platform ?? 'ios';
  if (platform !== known.platform) return undefined;
  const wanted = Object.fromEntries(registrationTokens(input)) as Partial<Record<TokenKind, string>>;
  if (TOKEN_KINDS.some((kind) => wanted[kind] !== known.tokens[kind])) return undefined;
  if (wanted.alert !== undefined && wanted.alert === wanted.voip) return undefined;
  const { userId, deviceId } = input;
  const nowIso = input.now.toISOString();
  const expiresAt = expiresAtSeconds(input.now, input.ttlDays ?? DEFAULT_DEVICE_TTL_DAYS);
  const device = registeredDevice(input, known.createdAt, nowIso);

  const set = ['#updatedAt = :now', '#expiresAt = :exp'];
  const remove: string[] = [];
  const conditions = ['attribute_exists(pk)', '#createdAt = :createdAt'];
  const names: Record<string, string> = {
    '#updatedAt': 'updatedAt',
    '#expiresAt': 'expiresAt',
    '#version': 'version',
    '#createdAt': 'createdAt',
  };
  const values: Record<string, unknown> = {
    ':now': nowIso,
    ':exp': expiresAt,
    ':one': 1,
    ':createdAt': known.createdAt,
  };
  // The device's own attributes, as the full path's Put writes them: set when present, else removed.
  for (const attribute of ['platform', 'bundleId', 'environment', 'appVersion', 'locale'] as const) {
    names[`#${attribute}`] = attribute;
    const value = device[attribute];
    if (value === undefined) remove.push(`#${attribute}`);
    else {
      set.push(`#${attribute} = :${attribute}`);
      values[`:${attribute}`] = value;
    }
  }
  // The tokens are not written: the condition holds them to what `known` says.
  for (const kind of TOKEN_KINDS) {
    const attribute = tokenAttribute(kind);
    names[`#${attribute}`] = attribute;
    const value = wanted[kind];
    if (value === undefined) conditions.push(`attribute_not_exists(#${attribute})`);
    else {
      conditions.push(`#${attribute} = :${attribute}`);
      values[`:${attribute}`] = value;
    }
  }

  const items: TransactItem[] = [
    {
      Update: {
        TableName: table,
        Key: deviceKey(userId, deviceId),
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''} ADD #version :one`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ];
  for (const ref of wantedTokens(input)) {
    items.push({
      Update: {
        TableName: table,
        Key: ownerKeyOf(ref),
        UpdateExpression: 'SET #registeredAt = :now, #expiresAt = :exp',
        ConditionExpression: '#userId = :userId AND #deviceId = :deviceId AND #kind = :kind',
        ExpressionAttributeNames: {
          '#registeredAt': 'registeredAt',
          '#expiresAt': 'expiresAt',
          '#userId': 'userId',
          '#deviceId': 'deviceId',
          '#kind': 'kind',
        },
        ExpressionAttributeValues: {
          ':now': nowIso,
          ':exp': expiresAt,
          ':userId': userId,
          ':deviceId': deviceId,
          ':kind': ref.kind,
        },
      },
    });
  }

  return { items, result: { device, moved: [], evicted: [] } };
}

import { registeredDevice } from '../../domain/device';
import { DEFAULT_DEVICE_TTL_DAYS } from '../../domain/device-limits';
import type { RegisterDeviceInput, RegisterDeviceResult } from '../../ports/device-repository';
import { deviceKey, expiresAtSeconds, ownerKey } from './device-items';
import type { KnownDevice } from './known-devices';
import { wantedTokens } from './register-read';
import type { TransactItem } from './transact-items';

/**
 * The one TransactWriteItems of a refresh: the device re-registers with the tokens it already holds.
 * Written without reading, it is right only if the device is the one `known` describes (same
 * `createdAt`, so not removed and registered anew; same tokens) and every token's owner item still
 * names this device. The conditions say exactly that, so when any of it is false the transaction is
 * cancelled, nothing is written, and the caller reads and plans instead (planRegister).
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
  if (input.voipToken !== known.voipToken || input.alertToken !== known.alertToken) return undefined;
  if (input.alertToken !== undefined && input.alertToken === input.voipToken) return undefined;
  const { userId, deviceId } = input;
  const nowIso = input.now.toISOString();
  const expiresAt = expiresAtSeconds(input.now, input.ttlDays ?? DEFAULT_DEVICE_TTL_DAYS);

  const set = [
    '#bundleId = :bundleId',
    '#environment = :environment',
    '#updatedAt = :now',
    '#expiresAt = :exp',
  ];
  const remove: string[] = [];
  const names: Record<string, string> = {
    '#bundleId': 'bundleId',
    '#environment': 'environment',
    '#updatedAt': 'updatedAt',
    '#expiresAt': 'expiresAt',
    '#version': 'version',
    '#createdAt': 'createdAt',
    '#voipToken': 'voipToken',
    '#alertToken': 'alertToken',
  };
  const values: Record<string, unknown> = {
    ':bundleId': input.bundleId,
    ':environment': input.environment,
    ':now': nowIso,
    ':exp': expiresAt,
    ':one': 1,
    ':createdAt': known.createdAt,
    ':voip': input.voipToken,
  };
  for (const [attribute, value] of [
    ['appVersion', input.appVersion],
    ['locale', input.locale],
  ] as const) {
    names[`#${attribute}`] = attribute;
    if (value === undefined) remove.push(`#${attribute}`);
    else {
      set.push(`#${attribute} = :${attribute}`);
      values[`:${attribute}`] = value;
    }
  }
  let alertCondition = 'attribute_not_exists(#alertToken)';
  if (input.alertToken !== undefined) {
    alertCondition = '#alertToken = :alert';
    values[':alert'] = input.alertToken;
  }

  const items: TransactItem[] = [
    {
      Update: {
        TableName: table,
        Key: deviceKey(userId, deviceId),
        UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''} ADD #version :one`,
        ConditionExpression: `attribute_exists(pk) AND #createdAt = :createdAt AND #voipToken = :voip AND ${alertCondition}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    },
  ];
  for (const [kind, token] of wantedTokens(input)) {
    items.push({
      Update: {
        TableName: table,
        Key: ownerKey(token),
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
          ':kind': kind,
        },
      },
    });
  }

  const device = registeredDevice(input, known.createdAt, nowIso);
  return { items, result: { device, moved: [], evicted: [] } };
}

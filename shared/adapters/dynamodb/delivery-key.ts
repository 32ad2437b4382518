import type { PushKind } from '../../domain/device';
import type { DeliveryKey } from '../../ports/delivery-store';

const PUSH_TYPE_PREFIX = { voip: 'VOIP', alert: 'ALERT' } as const satisfies Record<PushKind, string>;

/**
 * The deliveries table key of one record, the only place it is built (sender and receipts both use it):
 * `pk = CALL#<callId>`, `sk = <VOIP|ALERT>#DEVICE#<deviceId>#USER#<userId>`.
 *
 * The sort key is unambiguous: the push type is a fixed word, a deviceId never contains `#`
 * (domain/device-rules.ts), and the userId comes last, so whatever it contains cannot shift the fields
 * before it. A deviceId with `#` is refused here rather than risk two records sharing a key.
 */
export function deliveryKey(key: DeliveryKey): { pk: string; sk: string } {
  if (key.deviceId.includes('#')) throw new Error('deliveryKey: deviceId must not contain "#"');
  const prefix = PUSH_TYPE_PREFIX[key.pushType];
  if (!prefix) throw new Error(`deliveryKey: unknown push type ${String(key.pushType)}`);
  return {
    pk: `CALL#${key.callId}`,
    sk: `${prefix}#DEVICE#${key.deviceId}#USER#${key.userId}`,
  };
}

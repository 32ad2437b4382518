import type { Device } from '../domain/device';
import type { DeliveryKey } from '../ports/delivery-store';
import type { PreparedCall } from './prepared-call';

/**
 * The record of this push: deviceIds are unique only per user, and a missed_call's alert reuses its
 * incoming_call's callId, so both the recipient and the push type are part of it.
 */
export function deliveryKeyOf(call: PreparedCall, device: Device): DeliveryKey {
  return {
    callId: call.event.callId,
    userId: device.userId,
    deviceId: device.deviceId,
    pushType: call.pushType,
  };
}

import { AMBIGUOUS_DELIVERY, type DeviceOutcome } from '../domain/delivery-outcome';
import type { Device } from '../domain/device';
import { describeError } from '../lib/helpers';
import type { FanOutDeps } from './fan-out-deps';
import type { PreparedCall } from './prepared-call';
import { deliveryKeyOf } from './push-delivery-key';
import { pushWithPolicy } from './push-with-policy';
import { type Lease, writeDeliveryRecord } from './write-delivery-record';

/**
 * One device of one call: pick the token, find the credential, claim the (call, recipient, device, push
 * type) so a duplicate queue delivery cannot ring twice, push, record the answer. Never throws: every
 * device gets one outcome.
 */
export async function sendPushToDevice(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
): Promise<DeviceOutcome> {
  const { callId } = call.event;
  const base = { userId: device.userId, deviceId: device.deviceId };
  const token = call.pushType === 'voip' ? device.voipToken : device.alertToken;
  if (!token) return { ...base, outcome: 'no_token', attempts: 0 };

  let lease: Lease;
  let credential: Awaited<ReturnType<FanOutDeps['credentials']['get']>>;
  try {
    credential = await deps.credentials.get(device.bundleId);
    if (!credential) {
      deps.log.error('no APNs credential for bundle', {
        callId,
        deviceId: device.deviceId,
        bundleId: device.bundleId,
      });
      return { ...base, outcome: 'failed', reason: 'no_credential', attempts: 0 };
    }
    // Read before the claim: the store's lease ends a little later than this, never earlier.
    const leaseUntil = deps.clock.now() + deps.options.leaseMs;
    const claim = await deps.deliveries.claim(deliveryKeyOf(call, device), deps.options.leaseMs);
    if (claim.kind === 'already_accepted' || claim.kind === 'already_sent') {
      return {
        ...base,
        outcome: 'duplicate',
        attempts: 0,
        ...(claim.kind === 'already_sent' ? { reason: AMBIGUOUS_DELIVERY } : {}),
        ...(claim.record.apnsId ? { apnsId: claim.record.apnsId } : {}),
      };
    }
    if (claim.kind === 'leased') return { ...base, outcome: 'deferred', reason: 'lease_held', attempts: 0 };
    lease = { id: claim.leaseId, until: leaseUntil };
  } catch (error) {
    // Nothing was sent yet, so the SQS redelivery may safely try this device again while the call rings.
    deps.log.error('push not started', { callId, deviceId: device.deviceId, error: describeError(error) });
    return { ...base, outcome: deferredIfRinging(deps, call), reason: 'internal_error', attempts: 0 };
  }

  const result = await pushWithPolicy(deps, call, device, token, credential);
  // A record that could not be written does not change the outcome: a push APNs accepted stays
  // `delivered` (terminal), so this device never makes the queue record come back; only a redelivery
  // asked for by another device, or a duplicate SQS message, could reach it, and only after the lease.
  const stored = await writeDeliveryRecord(deps, call, device, lease, result);
  const outcome: DeviceOutcome = {
    ...base,
    outcome: result.outcome,
    attempts: result.attempts,
    apnsId: result.apnsId,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.statusCode ? { statusCode: result.statusCode } : {}),
  };
  if (stored === 'lost' && result.outcome === 'deferred') {
    // Another worker took the lease meanwhile: it will finish this device, not our redelivery.
    return { ...outcome, outcome: 'failed', reason: 'lease_lost' };
  }
  return outcome;
}

export function deferredIfRinging(deps: FanOutDeps, call: PreparedCall): 'deferred' | 'failed' {
  return call.windowEndMs - deps.clock.now() >= deps.options.redeliveryMinWindowMs ? 'deferred' : 'failed';
}

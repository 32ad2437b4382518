import type { DeviceOutcome } from '../domain/delivery-outcome';
import type { Device } from '../domain/device';
import type { DeliveryKey } from '../ports/delivery-store';
import type { FanOutDeps } from './fan-out-deps';
import { type AttemptsResult, type PreparedCall, pushWithPolicy } from './push-attempts';

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

  let leaseId: string;
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
    const claim = await deps.deliveries.claim(deliveryKeyOf(call, device), deps.options.leaseMs);
    if (claim.kind === 'already_accepted') {
      return {
        ...base,
        outcome: 'duplicate',
        attempts: 0,
        ...(claim.record.apnsId ? { apnsId: claim.record.apnsId } : {}),
      };
    }
    if (claim.kind === 'leased') return { ...base, outcome: 'deferred', reason: 'lease_held', attempts: 0 };
    leaseId = claim.leaseId;
  } catch (error) {
    // Nothing was sent yet, so the SQS redelivery may safely try this device again while the call rings.
    deps.log.error('push not started', { callId, deviceId: device.deviceId, error: describe(error) });
    return { ...base, outcome: deferredIfRinging(deps, call), reason: 'internal_error', attempts: 0 };
  }

  const result = await pushWithPolicy(deps, call, device, token, credential);
  const stored = await record(deps, call, device, leaseId, result);
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

async function record(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
  leaseId: string,
  result: AttemptsResult,
): Promise<'stored' | 'lost' | 'error'> {
  try {
    const status =
      result.outcome === 'delivered' ? 'accepted' : result.outcome === 'pruned' ? 'pruned' : 'failed';
    const stored = await deps.deliveries.complete(deliveryKeyOf(call, device), {
      leaseId,
      status,
      bundleId: device.bundleId,
      environment: result.environment,
      apnsId: result.apnsId,
      createdAt: call.event.createdAt,
      ...(result.statusCode ? { statusCode: result.statusCode } : {}),
      ...(result.reason ? { reason: result.reason } : {}),
      ...(result.acceptedAt ? { acceptedAt: result.acceptedAt } : {}),
    });
    if (!stored)
      deps.log.warn('delivery lease lost', { callId: call.event.callId, deviceId: device.deviceId });
    return stored ? 'stored' : 'lost';
  } catch (error) {
    // The push itself is done; the lease runs out on its own. Log so the gap in the records is explained.
    deps.log.error('delivery record not written', {
      callId: call.event.callId,
      deviceId: device.deviceId,
      error: describe(error),
    });
    return 'error';
  }
}

/**
 * The record of this push: deviceIds are unique only per user, and a missed_call's alert reuses its
 * incoming_call's callId, so both the recipient and the push type are part of it.
 */
function deliveryKeyOf(call: PreparedCall, device: Device): DeliveryKey {
  return {
    callId: call.event.callId,
    userId: device.userId,
    deviceId: device.deviceId,
    pushType: call.pushType,
  };
}

export function deferredIfRinging(deps: FanOutDeps, call: PreparedCall): 'deferred' | 'failed' {
  return call.windowEndMs - deps.clock.now() >= deps.options.redeliveryMinWindowMs ? 'deferred' : 'failed';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

import { AMBIGUOUS_DELIVERY, type DeviceOutcome } from '../domain/delivery-outcome';
import type { Device } from '../domain/device';
import { MetricName } from '../platform/metric-names';
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
    deps.log.error('push not started', { callId, deviceId: device.deviceId, error: describe(error) });
    return { ...base, outcome: deferredIfRinging(deps, call), reason: 'internal_error', attempts: 0 };
  }

  const result = await pushWithPolicy(deps, call, device, token, credential);
  // A record that could not be written does not change the outcome: a push APNs accepted stays
  // `delivered` (terminal), so this device never makes the queue record come back; only a redelivery
  // asked for by another device, or a duplicate SQS message, could reach it, and only after the lease.
  const stored = await record(deps, call, device, lease, result);
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

interface Lease {
  readonly id: string;
  /** ms since epoch (our clock) after which a redelivery may claim the device again. */
  readonly until: number;
}

/** Backoff of the record-write retries (exponential, equal jitter), and how early they stop. */
const RECORD_RETRY_BASE_MS = 50;
const RECORD_RETRY_CAP_MS = 1000;
const RECORD_RETRY_MARGIN_MAX_MS = 1000;

/**
 * Writes APNs' answer on the delivery record. When APNs accepted the push (or may have: an ambiguous
 * outcome) this record is all that stops a redelivery from sending it again once the lease runs out, so
 * a failing write (DynamoDB unavailable) is retried with backoff until shortly before the lease, or the
 * invocation, ends. That is safe: the write is conditioned on our lease id, so repeating it is
 * idempotent and it can never overwrite another worker's attempt. Other answers are written once: if that
 * write fails the lease just runs out and a redelivery sends again, which cannot ring twice since APNs
 * did not take the push.
 */
async function record(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
  lease: Lease,
  result: AttemptsResult,
): Promise<'stored' | 'lost' | 'error'> {
  const where = { callId: call.event.callId, deviceId: device.deviceId };
  const status =
    result.outcome === 'delivered' ? 'accepted' : result.outcome === 'pruned' ? 'pruned' : 'failed';
  const completion = {
    leaseId: lease.id,
    status,
    bundleId: device.bundleId,
    environment: result.environment,
    apnsId: result.apnsId,
    createdAt: call.event.createdAt,
    ...(result.statusCode ? { statusCode: result.statusCode } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.acceptedAt ? { acceptedAt: result.acceptedAt } : {}),
  } as const;
  // An accepted push, or one APNs may have accepted: without its record a redelivery would send it again.
  const guardsARing = result.outcome === 'delivered' || result.reason === AMBIGUOUS_DELIVERY;
  const margin = Math.min(RECORD_RETRY_MARGIN_MAX_MS, deps.options.leaseMs / 10);
  const giveUpAt = guardsARing
    ? Math.min(lease.until, call.context.invocationEndMs ?? Number.POSITIVE_INFINITY) - margin
    : Number.NEGATIVE_INFINITY;
  for (let attempt = 1; ; attempt++) {
    try {
      const stored = await deps.deliveries.complete(deliveryKeyOf(call, device), completion);
      if (!stored) {
        deps.log.warn('delivery lease lost', where);
        return 'lost';
      }
      if (attempt > 1)
        deps.log.info('delivery record written after retries', { ...where, attempts: attempt });
      return 'stored';
    } catch (error) {
      const delay = recordBackoffMs(deps, attempt - 1);
      if (deps.clock.now() + delay < giveUpAt) {
        if (attempt === 1)
          deps.log.warn('delivery record not written, retrying', { ...where, error: describe(error) });
        await deps.clock.sleep(delay);
        continue;
      }
      if (guardsARing) {
        // Out of time: the lease will run out with the record still `sending`.
        deps.metrics.count(MetricName.DeliveryRecordLost);
        deps.log.error('record lost', {
          ...where,
          attempts: attempt,
          apnsId: result.apnsId,
          error: describe(error),
        });
      } else {
        // The push itself is done and APNs did not take it; the lease runs out on its own.
        deps.log.error('delivery record not written', { ...where, error: describe(error) });
      }
      return 'error';
    }
  }
}

function recordBackoffMs(deps: FanOutDeps, retries: number): number {
  const ceiling = Math.min(RECORD_RETRY_CAP_MS, RECORD_RETRY_BASE_MS * 2 ** retries);
  return Math.round(ceiling / 2 + (ceiling / 2) * deps.random());
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

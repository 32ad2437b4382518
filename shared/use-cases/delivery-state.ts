import type { ApnsEnvironment } from '../domain/apns-credential';
import { AMBIGUOUS_DELIVERY, type DeviceOutcome } from '../domain/delivery-outcome';
import type { Device } from '../domain/device';
import { describeError, equalJitterBackoffMs } from '../lib/helpers';
import { MetricName } from '../platform/metric-names';
import type { DeliveryKey } from '../ports/delivery-store';
import type { FanOutDeps, PreparedCall } from './fan-out-deps';

/**
 * The delivery state of the fan-out: every read and write of the deliveries table the sender makes,
 * and what they mean for a device. Before the push: claim the (call, recipient, device, push kind) with
 * a lease, so a duplicate or concurrent queue delivery cannot ring twice. After it: write where the
 * pushes ended up, retried while a lost record could let a redelivery ring again.
 */

/** Our claim on a device's delivery record. */
export interface Lease {
  readonly id: string;
  /** ms since epoch (our clock) after which a redelivery may claim the device again. */
  readonly until: number;
}

/** Where the pushes to one device ended up, after every retry: what the delivery record keeps. */
export interface DeliveryResult {
  readonly outcome: 'delivered' | 'pruned' | 'failed' | 'deferred';
  readonly reason?: string;
  /** The platform's id of the last attempt (apns-id). */
  readonly pushId: string;
  readonly statusCode?: number;
  /** The host that answered the last attempt (differs from the device's after environment_mismatch). */
  readonly environment?: ApnsEnvironment;
  readonly attempts: number;
  /** ISO, our clock; only for `delivered`. */
  readonly acceptedAt?: string;
}

/** The claim's answer: ours to send, or an outcome that ends this device without a push. */
export type ClaimOutcome =
  | { readonly kind: 'claimed'; readonly lease: Lease }
  | { readonly kind: 'skip'; readonly outcome: Omit<DeviceOutcome, 'userId' | 'deviceId'> };

/**
 * The record of this push: deviceIds are unique only per user, and a missed_call's alert reuses its
 * incoming_call's callId, so both the recipient and the push kind are part of it.
 */
export function deliveryKeyOf(call: PreparedCall, device: Device): DeliveryKey {
  return {
    callId: call.event.callId,
    userId: device.userId,
    deviceId: device.deviceId,
    pushType: call.kind,
  };
}

/**
 * Claims the device's delivery for `leaseMs`. Already accepted (or maybe accepted: an ambiguous
 * outcome) → `duplicate`, not sent again; another worker holds the lease → `deferred` to a redelivery.
 * Throws when the store fails (nothing was sent then).
 */
export async function claimDelivery(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
): Promise<ClaimOutcome> {
  // Read before the claim: the store's lease ends a little later than this, never earlier.
  const leaseUntil = deps.clock.now() + deps.options.leaseMs;
  const claim = await deps.deliveries.claim(deliveryKeyOf(call, device), deps.options.leaseMs);
  switch (claim.kind) {
    case 'claimed':
      return { kind: 'claimed', lease: { id: claim.leaseId, until: leaseUntil } };
    case 'already_accepted':
    case 'already_sent':
      return {
        kind: 'skip',
        outcome: {
          outcome: 'duplicate',
          attempts: 0,
          ...(claim.kind === 'already_sent' ? { reason: AMBIGUOUS_DELIVERY } : {}),
          ...(claim.record.apnsId ? { apnsId: claim.record.apnsId } : {}),
        },
      };
    case 'leased':
      return { kind: 'skip', outcome: { outcome: 'deferred', reason: 'lease_held', attempts: 0 } };
  }
}

/** Backoff of the record-write retries (exponential, equal jitter), and how early they stop. */
const RECORD_RETRY_BASE_MS = 50;
const RECORD_RETRY_CAP_MS = 1000;
const RECORD_RETRY_MARGIN_MAX_MS = 1000;

/**
 * Writes the push's result on the delivery record. When the platform accepted the push (or may have: an
 * ambiguous outcome) this record is all that stops a redelivery from sending it again once the lease
 * runs out, so a failing write (DynamoDB unavailable) is retried with backoff until shortly before the
 * lease, or the invocation, ends. That is safe: the write is conditioned on our lease id, so repeating
 * it is idempotent and it can never overwrite another worker's attempt. Other results are written once:
 * if that write fails the lease just runs out and a redelivery sends again, which cannot ring twice since
 * the platform did not take the push.
 */
export async function completeDelivery(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
  lease: Lease,
  result: DeliveryResult,
): Promise<'stored' | 'lost' | 'error'> {
  const where = { callId: call.event.callId, deviceId: device.deviceId };
  const status =
    result.outcome === 'delivered' ? 'accepted' : result.outcome === 'pruned' ? 'pruned' : 'failed';
  const completion = {
    leaseId: lease.id,
    status,
    bundleId: device.bundleId,
    environment: result.environment ?? device.environment,
    apnsId: result.pushId,
    createdAt: call.event.createdAt,
    ...(result.statusCode ? { statusCode: result.statusCode } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.acceptedAt ? { acceptedAt: result.acceptedAt } : {}),
  } as const;
  // An accepted push, or one the platform may have accepted: without its record a redelivery would send it again.
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
      const delay = equalJitterBackoffMs(
        RECORD_RETRY_BASE_MS,
        RECORD_RETRY_CAP_MS,
        attempt - 1,
        deps.random(),
      );
      if (deps.clock.now() + delay < giveUpAt) {
        if (attempt === 1)
          deps.log.warn('delivery record not written, retrying', { ...where, error: describeError(error) });
        await deps.clock.sleep(delay);
        continue;
      }
      if (guardsARing) {
        // Out of time: the lease will run out with the record still `sending`.
        deps.metrics.count(MetricName.DeliveryRecordLost);
        deps.log.error('record lost', {
          ...where,
          attempts: attempt,
          apnsId: result.pushId,
          error: describeError(error),
        });
      } else {
        // The push itself is done and the platform did not take it; the lease runs out on its own.
        deps.log.error('delivery record not written', { ...where, error: describeError(error) });
      }
      return 'error';
    }
  }
}

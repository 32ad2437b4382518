import { AMBIGUOUS_DELIVERY } from '../domain/delivery-outcome';
import type { Device } from '../domain/device';
import { describeError, equalJitterBackoffMs } from '../lib/helpers';
import { MetricName } from '../platform/metric-names';
import type { AttemptsResult } from './attempts-result';
import type { FanOutDeps } from './fan-out-deps';
import type { PreparedCall } from './prepared-call';
import { deliveryKeyOf } from './push-delivery-key';

/** Our claim on a device's delivery record. */
export interface Lease {
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
export async function writeDeliveryRecord(
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
          apnsId: result.apnsId,
          error: describeError(error),
        });
      } else {
        // The push itself is done and APNs did not take it; the lease runs out on its own.
        deps.log.error('delivery record not written', { ...where, error: describeError(error) });
      }
      return 'error';
    }
  }
}

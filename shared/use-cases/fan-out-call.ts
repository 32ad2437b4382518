import { type CallEvent, ringWindowEndMs } from '../domain/call-event';
import { type DeviceOutcome, outcomeReason, TERMINAL_OUTCOMES } from '../domain/delivery-outcome';
import type { Device } from '../domain/device';
import { buildPushPayload, type PushType } from '../domain/push-payload';
import { mapBounded } from '../lib/helpers';
import { MetricName } from '../platform/metric-names';
import type { FanOutContext, FanOutDeps } from './fan-out-deps';
import type { PreparedCall } from './prepared-call';
import { sendPushToDevice } from './send-push';

export type FanOutResult =
  | { readonly kind: 'rejected'; readonly reason: 'payload_too_large'; readonly details: readonly string[] }
  | {
      readonly kind: 'done';
      readonly callId: string;
      /** One per device of every recipient, in recipient order. */
      readonly outcomes: readonly DeviceOutcome[];
      /** Some device was deferred: report the queue record as failed so SQS delivers it again. */
      readonly retryLater: boolean;
    };

/**
 * Rings every device of every recipient of one call event (design section 3): VoIP pushes for an
 * incoming call, alert pushes for a missed call. Lookups and pushes run in parallel within bounds.
 * Throws only when a recipient lookup fails (nothing has been sent then, so the record can be retried).
 */
export async function fanOutCall(
  deps: FanOutDeps,
  event: CallEvent,
  context: FanOutContext,
): Promise<FanOutResult> {
  const built = buildPushPayload(event);
  if (!built.ok) {
    return {
      kind: 'rejected',
      reason: built.reason,
      details: [`${built.pushType} payload ${built.bytes} > ${built.limit} bytes`],
    };
  }
  const { lookupConcurrency, pushConcurrency, missedCallTtlSeconds } = deps.options;
  const devices = (
    await mapBounded(event.recipients, lookupConcurrency, (userId) => deps.devices.listByUser(userId))
  ).flat();

  const createdAtMs = Date.parse(event.createdAt);
  const windowEndMs =
    event.type === 'incoming_call' ? ringWindowEndMs(event) : createdAtMs + missedCallTtlSeconds * 1000;
  const call: PreparedCall = {
    event,
    pushType: built.pushType,
    payload: built.payload,
    windowEndMs,
    expiration: Math.floor(windowEndMs / 1000),
    context,
  };

  let outcomes: DeviceOutcome[];
  if (event.type === 'incoming_call' && deps.clock.now() >= windowEndMs) {
    // A ring for a call that is over is worse than none.
    deps.metrics.count(MetricName.CallExpired);
    deps.log.warn('call expired before sending', {
      callId: event.callId,
      devices: devices.length,
      lateByMs: deps.clock.now() - windowEndMs,
      queueDelayMs: context.queueDelayMs,
    });
    outcomes = devices.map((d) => ({
      userId: d.userId,
      deviceId: d.deviceId,
      outcome: 'expired',
      attempts: 0,
    }));
  } else {
    outcomes = await mapBounded(devices, pushConcurrency, (device: Device) =>
      sendPushToDevice(deps, call, device),
    );
  }
  for (const outcome of outcomes) countOutcome(deps, event, call.pushType, outcome);
  return {
    kind: 'done',
    callId: event.callId,
    outcomes,
    retryLater: outcomes.some((o) => o.outcome === 'deferred'),
  };
}

const COUNTERS = {
  delivered: MetricName.PushAccepted,
  failed: MetricName.PushFailed,
  pruned: MetricName.PushPruned,
  duplicate: MetricName.PushDuplicate,
} as const;

function countOutcome(deps: FanOutDeps, event: CallEvent, pushType: PushType, outcome: DeviceOutcome): void {
  if (!TERMINAL_OUTCOMES.includes(outcome.outcome)) {
    deps.log.warn('push deferred to a redelivery', {
      callId: event.callId,
      deviceId: outcome.deviceId,
      reason: outcome.reason,
    });
    return;
  }
  const counter = COUNTERS[outcome.outcome as keyof typeof COUNTERS];
  if (counter) deps.metrics.count(counter);
  // The receipt-rate alarm's denominator: only VoIP pushes get receipts (missed-call alerts never do).
  if (outcome.outcome === 'delivered' && pushType === 'voip') deps.metrics.count(MetricName.VoipPushAccepted);
  deps.metrics.countBy(MetricName.PushOutcome, 'Reason', outcomeReason(outcome));
}

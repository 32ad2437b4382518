import { type CallEvent, pushKindOf, ringWindowEndMs } from '../domain/call-event';
import { type DeviceOutcome, outcomeReason, TERMINAL_OUTCOMES } from '../domain/delivery-outcome';
import { type Device, type Platform, type PushKind, platformOf } from '../domain/device';
import { mapBounded } from '../lib/helpers';
import { MetricName, PLATFORM_DIMENSION } from '../platform/metric-names';
import type { PreparedPush } from '../ports/push-gateway';
import { pushToDevice } from './device-push';
import type { FanOutContext, FanOutDeps, PreparedCall } from './fan-out-deps';

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
 * Rings every device of every recipient of one call event (docs/contracts.md, call event): VoIP pushes
 * for an incoming call, alert pushes for a missed call, each device through its platform's push
 * gateway (device-push.ts). Lookups and pushes run in parallel within bounds.
 * Throws only when a recipient lookup fails (nothing has been sent then, so the record can be retried).
 */
export async function fanOutCall(
  deps: FanOutDeps,
  event: CallEvent,
  context: FanOutContext,
): Promise<FanOutResult> {
  const kind = pushKindOf(event);
  const createdAtMs = Date.parse(event.createdAt);
  const windowEndMs =
    event.type === 'incoming_call'
      ? ringWindowEndMs(event)
      : createdAtMs + deps.options.missedCallTtlSeconds * 1000;
  // Every platform's message first: a call that cannot fit one of them is rejected before any lookup.
  const pushes: Partial<Record<Platform, PreparedPush>> = {};
  for (const gateway of Object.values(deps.gateways)) {
    const prepared = gateway.prepare({ event, kind, expiresAtMs: windowEndMs });
    if (!prepared.ok) return { kind: 'rejected', reason: prepared.reason, details: [prepared.detail] };
    pushes[gateway.platform] = prepared.push;
  }
  const { lookupConcurrency, pushConcurrency } = deps.options;
  const devices = (
    await mapBounded(event.recipients, lookupConcurrency, (userId) => deps.devices.listByUser(userId))
  ).flat();
  const call: PreparedCall = {
    event,
    kind,
    windowEndMs,
    pushes: pushes as Record<Platform, PreparedPush>,
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
      pushToDevice(deps, call, device),
    );
  }
  outcomes.forEach((outcome, i) => {
    countOutcome(deps, event, call.kind, outcome, platformOf(devices[i] as Device));
  });
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

function countOutcome(
  deps: FanOutDeps,
  event: CallEvent,
  kind: PushKind,
  outcome: DeviceOutcome,
  platform: Platform,
): void {
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
  // The dashboard's split by platform: accepted and failed pushes.
  if (outcome.outcome === 'delivered' || outcome.outcome === 'failed')
    deps.metrics.countBy(COUNTERS[outcome.outcome], PLATFORM_DIMENSION, platform);
  // The receipt-rate alarm's denominator: only VoIP pushes get receipts (missed-call alerts never do).
  if (outcome.outcome === 'delivered' && kind === 'voip') deps.metrics.count(MetricName.VoipPushAccepted);
  deps.metrics.countBy(MetricName.PushOutcome, 'Reason', outcomeReason(outcome));
}

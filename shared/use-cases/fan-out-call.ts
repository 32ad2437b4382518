import { type CallEvent, pushKindOf, ringWindowEndMs } from '../domain/call-event';
import { type DeviceOutcome, outcomeReason, TERMINAL_OUTCOMES } from '../domain/delivery-outcome';
import { type Device, type Platform, type PushKind, platformOf } from '../domain/device';
import { boundedRunner, mapBounded } from '../lib/helpers';
import { MetricName, PLATFORM_DIMENSION } from '../platform/metric-names';
import type { PreparedPush } from '../ports/push-gateway';
import { DeliveryBatches } from './delivery-batches';
import { groupsOnce, recordedOnce, releaseDelivery } from './delivery-state';
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
 * gateway (device-push.ts). Lookups run in parallel within bounds, and a recipient's devices are pushed
 * as soon as that recipient's lookup returns (a group call rings its first phones while later lookups
 * are still out), all pushes within one bound.
 * Throws when a recipient lookup fails, once the pushes already started have ended and their results are
 * written: they keep the retried record from sending them again.
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
  // Each recipient's read group, hashed once for the event's reads and its batches.
  const groupOf = groupsOnce(deps);
  const call: PreparedCall = {
    event,
    kind,
    windowEndMs,
    pushes: pushes as Record<Platform, PreparedPush>,
    context,
    recorded: recordedOnce(deps, event.callId, kind, event.recipients, groupOf),
    results: new DeliveryBatches(deps, {
      callId: event.callId,
      pushType: kind,
      groupOf,
      ...(context.invocationEndMs !== undefined ? { invocationEndMs: context.invocationEndMs } : {}),
      onWritten: (device) => releaseDelivery(deps, call, device),
    }),
  };
  // The default mode reads the delivery records of a recipient's shard as its lookup starts.
  const readsRecords =
    deps.options.retryAmbiguousPushes && !(event.type === 'incoming_call' && deps.clock.now() >= windowEndMs);
  const { lookupConcurrency, pushConcurrency } = deps.options;
  const pushSlot = boundedRunner(pushConcurrency);
  // Per recipient, in recipient order: its devices and, once pushed, their outcomes.
  const rung: Array<Promise<Array<[Device, DeviceOutcome]>>> = [];
  let expiredDevices = 0;
  const ring = (devices: readonly Device[]): Promise<Array<[Device, DeviceOutcome]>> => {
    if (event.type === 'incoming_call' && deps.clock.now() >= windowEndMs) {
      // A ring for a call that is over is worse than none.
      expiredDevices += devices.length;
      return Promise.resolve(
        devices.map((d) => [d, { userId: d.userId, deviceId: d.deviceId, outcome: 'expired', attempts: 0 }]),
      );
    }
    return Promise.all(
      devices.map((device) => {
        call.results.pushing(device.userId);
        return pushSlot(async () => {
          try {
            return [device, await pushToDevice(deps, call, device)] as [Device, DeviceOutcome];
          } finally {
            call.results.settled(device.userId);
          }
        });
      }),
    );
  };
  let lookupFailure: { error: unknown } | undefined;
  await mapBounded(event.recipients, lookupConcurrency, async (userId, index) => {
    if (lookupFailure) return; // no new lookups once one failed: the record comes back whole
    try {
      if (readsRecords) void call.recorded(userId);
      rung[index] = ring(await deps.devices.listByUser(userId));
    } catch (error) {
      lookupFailure ??= { error };
    }
  });
  call.results.lookupsDone();
  let pairs: Array<[Device, DeviceOutcome]>;
  try {
    pairs = (await Promise.all(rung.filter(Boolean))).flat();
  } finally {
    // Every result written (or given up on) before the queue record is answered.
    await call.results.close();
  }
  if (lookupFailure) throw lookupFailure.error;

  if (expiredDevices > 0) {
    deps.metrics.count(MetricName.CallExpired);
    deps.log.warn('call expired before sending', {
      callId: event.callId,
      devices: expiredDevices,
      lateByMs: deps.clock.now() - windowEndMs,
      queueDelayMs: context.queueDelayMs,
    });
  }
  for (const [device, outcome] of pairs) countOutcome(deps, event, call.kind, outcome, platformOf(device));
  const outcomes = pairs.map(([, outcome]) => outcome);
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

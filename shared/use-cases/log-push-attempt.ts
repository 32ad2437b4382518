import type { Device } from '../domain/device';
import { tokenHash } from '../domain/token-hash';
import { MetricName } from '../platform/metric-names';
import type { PushOutcome } from '../ports/apns-sender';
import type { FanOutDeps } from './fan-out-deps';
import type { PreparedCall } from './prepared-call';
import { type AnsweredAttempt, reportedApnsId } from './send-attempt';

/** The latency metrics and the `push attempt` log line of one answered attempt, with what was made of it. */
export function logPushAttempt(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
  token: string,
  attempt: AnsweredAttempt,
  outcome: string,
  extra: Record<string, unknown> = {},
): void {
  const { answer } = attempt;
  const deliveryLatencyMs = attempt.answeredAt - Date.parse(call.event.createdAt);
  deps.metrics.milliseconds(MetricName.ApnsLatency, answer.latencyMs);
  if (answer.kind === 'accepted') deps.metrics.milliseconds(MetricName.DeliveryLatency, deliveryLatencyMs);
  deps.log.info('push attempt', {
    callId: call.event.callId,
    deviceId: device.deviceId,
    bundleId: device.bundleId,
    environment: attempt.environment,
    pushType: call.pushType,
    tokenHash: tokenHash(token),
    apnsId: reportedApnsId(attempt),
    statusCode: attempt.statusCode,
    reason: attempt.reason,
    attempt: attempt.number,
    queueDelayMs: call.context.queueDelayMs,
    apnsLatencyMs: answer.latencyMs,
    deliveryLatencyMs,
    outcome,
    ...maybeDelivered(answer),
    ...extra,
  });
}

function maybeDelivered(answer: PushOutcome): Record<string, unknown> {
  return answer.kind === 'transport-error' ? { maybeDelivered: answer.maybeDelivered } : {};
}

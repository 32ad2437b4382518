import type { PushType } from '../domain/push-payload';
import { equalJitterBackoffMs } from '../lib/helpers';
import type { PushOutcome } from '../ports/apns-sender';
import type { FanOutDeps } from './fan-out-deps';
import type { PreparedCall } from './prepared-call';

/** After a retryable answer: wait and send again, or stop (deferred to the SQS redelivery while it rings). */
export type RetryPlan =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'stop'; readonly outcome: 'deferred' | 'failed' };

/**
 * Retries while attempts remain and the backoff ends before the ring window (or the invocation's deadline)
 * does; then the push is deferred if the call still rings long enough for a redelivery, else failed.
 */
export function planRetry(deps: FanOutDeps, call: PreparedCall, attempt: number, retries: number): RetryPlan {
  const opts = deps.options;
  const delayMs = equalJitterBackoffMs(opts.backoffBaseMs, opts.backoffCapMs, retries, deps.random());
  const now = deps.clock.now();
  const stopAt = Math.min(call.windowEndMs, call.context.deadlineMs ?? Number.POSITIVE_INFINITY);
  if (attempt < opts.maxAttempts && now + delayMs < stopAt) return { kind: 'retry', delayMs };
  const stillRinging = call.windowEndMs - now >= opts.redeliveryMinWindowMs;
  return { kind: 'stop', outcome: stillRinging ? 'deferred' : 'failed' };
}

/**
 * A transport error after the request may have reached APNs (`maybeDelivered`), for a VoIP push, with the
 * retry switch off. Errors known not to have reached APNs (connect, TLS, refused streams) are not.
 */
export function isAmbiguous(answer: PushOutcome, pushType: PushType, retryAmbiguous: boolean): boolean {
  return answer.kind === 'transport-error' && answer.maybeDelivered && pushType === 'voip' && !retryAmbiguous;
}

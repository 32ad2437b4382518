import { decideAnswer } from '../domain/apns-answer-policy';
import type { ApnsCredential, ApnsEnvironment } from '../domain/apns-credential';
import type { CallEvent } from '../domain/call-event';
import { AMBIGUOUS_DELIVERY } from '../domain/delivery-outcome';
import type { Device } from '../domain/device';
import type { PushType } from '../domain/push-payload';
import { tokenHash } from '../domain/token-hash';
import { MetricName } from '../platform/metric-names';
import type { PushOutcome } from '../ports/apns-sender';
import type { FanOutContext, FanOutDeps } from './fan-out-deps';

/** One call, prepared once and shared by the pushes to all its devices. */
export interface PreparedCall {
  readonly event: CallEvent;
  readonly pushType: PushType;
  readonly payload: string;
  /** Retries stop at this moment (ring window end for calls, alert lifetime for missed calls), ms. */
  readonly windowEndMs: number;
  /** apns-expiration, epoch seconds. */
  readonly expiration: number;
  readonly context: FanOutContext;
}

export interface AttemptsResult {
  readonly outcome: 'delivered' | 'pruned' | 'failed' | 'deferred';
  readonly reason?: string;
  readonly apnsId: string;
  readonly statusCode?: number;
  readonly environment: ApnsEnvironment;
  readonly attempts: number;
  readonly acceptedAt?: string;
}

const other = (env: ApnsEnvironment): ApnsEnvironment => (env === 'sandbox' ? 'production' : 'sandbox');

/** Sends one push and acts on each APNs answer per the apns-reference table until a result is reached. */
export async function pushWithPolicy(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
  token: string,
  firstCredential: ApnsCredential,
): Promise<AttemptsResult> {
  const { event } = call;
  const opts = deps.options;
  const topic = call.pushType === 'voip' ? `${device.bundleId}.voip` : device.bundleId;
  let credential = firstCredential;
  let environment = device.environment;
  let refreshed = false;
  let checkingOtherEnvironment = false;
  let retries = 0;
  let firstSentAt = 0;
  for (let attempt = 1; ; attempt++) {
    const apnsId = deps.newApnsId();
    const sentAt = deps.clock.now();
    if (attempt === 1) firstSentAt = sentAt;
    const answer = await deps.apns.send(credential, {
      token,
      environment,
      pushType: call.pushType,
      topic,
      priority: 10,
      expiration: call.expiration,
      apnsId,
      // A repeated missed-call alert (retry after an ambiguous answer, redelivery) replaces, not adds.
      ...(call.pushType === 'alert' ? { collapseId: event.callId } : {}),
      payload: call.payload,
    });
    const answeredAt = deps.clock.now();
    const statusCode = answer.kind === 'transport-error' ? undefined : answer.status;
    const reason =
      answer.kind === 'rejected'
        ? answer.reason
        : answer.kind === 'transport-error'
          ? answer.error
          : undefined;
    const result = (outcome: AttemptsResult['outcome'], why?: string): AttemptsResult => ({
      outcome,
      environment,
      attempts: attempt,
      apnsId: answer.apnsId || apnsId,
      ...(why ? { reason: why } : {}),
      ...(statusCode ? { statusCode } : {}),
      ...(outcome === 'delivered' ? { acceptedAt: new Date(answeredAt).toISOString() } : {}),
    });
    const logAttempt = (outcome: string, extra: Record<string, unknown> = {}): void => {
      const deliveryLatencyMs = answeredAt - Date.parse(event.createdAt);
      deps.metrics.milliseconds(MetricName.ApnsLatency, answer.latencyMs);
      if (answer.kind === 'accepted')
        deps.metrics.milliseconds(MetricName.DeliveryLatency, deliveryLatencyMs);
      deps.log.info('push attempt', {
        callId: event.callId,
        deviceId: device.deviceId,
        bundleId: device.bundleId,
        environment,
        pushType: call.pushType,
        tokenHash: tokenHash(token),
        apnsId: answer.apnsId || apnsId,
        statusCode,
        reason,
        attempt,
        queueDelayMs: call.context.queueDelayMs,
        apnsLatencyMs: answer.latencyMs,
        deliveryLatencyMs,
        outcome,
        ...maybeDelivered(answer),
        ...extra,
      });
    };
    const action = decideAnswer(answer);

    if (
      checkingOtherEnvironment &&
      action.action !== 'deliver' &&
      action.action !== 'check_other_environment'
    ) {
      // The other host answered something else: the mix-up is not ruled in or out, so keep the token.
      logAttempt('failed');
      deps.log.warn('environment check inconclusive', {
        callId: event.callId,
        deviceId: device.deviceId,
        statusCode,
        reason,
      });
      return { ...result('failed', 'BadDeviceToken'), environment: device.environment };
    }
    switch (action.action) {
      case 'deliver':
        logAttempt('delivered');
        if (environment !== device.environment) {
          deps.log.warn('environment_mismatch', {
            callId: event.callId,
            deviceId: device.deviceId,
            bundleId: device.bundleId,
            registeredEnvironment: device.environment,
            acceptedEnvironment: environment,
          });
          return result('delivered', 'environment_mismatch');
        }
        return result('delivered');
      case 'check_other_environment':
        if (!checkingOtherEnvironment) {
          logAttempt('check_other_environment');
          checkingOtherEnvironment = true;
          environment = other(environment);
          continue;
        }
        logAttempt('pruned');
        return prune(deps, device, token, call, new Date(firstSentAt), result, 'BadDeviceToken');
      case 'prune':
        logAttempt('pruned');
        return prune(
          deps,
          device,
          token,
          call,
          action.registeredBefore ?? new Date(sentAt),
          result,
          reason ?? 'Unregistered',
        );
      case 'fail':
        logAttempt('failed');
        if (action.flag)
          deps.log.warn('push rejected', {
            callId: event.callId,
            deviceId: device.deviceId,
            bundleId: device.bundleId,
            statusCode,
            reason: action.reason,
          });
        return result('failed', action.reason);
      case 'refresh_credential': {
        deps.metrics.count(MetricName.ApnsAuthError);
        const fresh = refreshed ? undefined : await deps.credentials.refresh(device.bundleId);
        if (fresh && fresh !== credential) {
          logAttempt('retry_with_fresh_credential');
          refreshed = true;
          credential = fresh;
          continue;
        }
        logAttempt('failed');
        deps.log.error('APNs rejected the credential', {
          callId: event.callId,
          bundleId: device.bundleId,
          environment,
          statusCode,
          reason: action.reason,
        });
        return result('failed', action.reason);
      }
      case 'retry': {
        if (isAmbiguous(answer, call.pushType, opts.retryAmbiguousPushes)) {
          // APNs may already have this push: a retry could make it accept a second one and ring the phone
          // twice, which the app cannot tell from a new call (issue 5). A possible miss is the lesser harm.
          logAttempt('failed', { reason: AMBIGUOUS_DELIVERY, transportError: reason });
          return result('failed', AMBIGUOUS_DELIVERY);
        }
        if (action.flag)
          deps.log.warn('APNs reports a sender bug', { callId: event.callId, reason: action.reason });
        const delay = backoffMs(deps, retries);
        const now = deps.clock.now();
        const stopAt = Math.min(call.windowEndMs, call.context.deadlineMs ?? Number.POSITIVE_INFINITY);
        if (attempt < deps.options.maxAttempts && now + delay < stopAt) {
          logAttempt('retry');
          deps.metrics.count(MetricName.PushRetried);
          retries += 1;
          await deps.clock.sleep(delay);
          continue;
        }
        const stillRinging = call.windowEndMs - now >= opts.redeliveryMinWindowMs;
        logAttempt(stillRinging ? 'deferred' : 'failed');
        return result(stillRinging ? 'deferred' : 'failed', 'retries_exhausted');
      }
    }
  }
}

/** Exponential backoff with equal jitter: base·2ⁿ capped, then a random half of it on top of the other half. */
function backoffMs(deps: FanOutDeps, retries: number): number {
  const ceiling = Math.min(deps.options.backoffCapMs, deps.options.backoffBaseMs * 2 ** retries);
  return Math.round(ceiling / 2 + (ceiling / 2) * deps.random());
}

async function prune(
  deps: FanOutDeps,
  device: Device,
  token: string,
  call: PreparedCall,
  registeredBefore: Date,
  result: (outcome: AttemptsResult['outcome'], why?: string) => AttemptsResult,
  reason: string,
): Promise<AttemptsResult> {
  try {
    const removed = await deps.devices.pruneToken({
      userId: device.userId,
      deviceId: device.deviceId,
      kind: call.pushType,
      token,
      registeredBefore,
    });
    if (removed) return result('pruned', reason);
    deps.log.info('prune skipped: token re-registered since', {
      callId: call.event.callId,
      deviceId: device.deviceId,
    });
    return result('failed', reason);
  } catch (error) {
    deps.log.error('prune failed', {
      callId: call.event.callId,
      deviceId: device.deviceId,
      error: String(error),
    });
    return result('failed', reason);
  }
}

/**
 * A transport error after the request may have reached APNs (`maybeDelivered`), for a VoIP push, with the
 * retry switch off. Errors known not to have reached APNs (connect, TLS, refused streams) are not.
 */
function isAmbiguous(answer: PushOutcome, pushType: PushType, retryAmbiguous: boolean): boolean {
  return answer.kind === 'transport-error' && answer.maybeDelivered && pushType === 'voip' && !retryAmbiguous;
}

function maybeDelivered(answer: PushOutcome): Record<string, unknown> {
  return answer.kind === 'transport-error' ? { maybeDelivered: answer.maybeDelivered } : {};
}

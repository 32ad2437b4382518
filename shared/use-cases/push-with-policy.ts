import { decideAnswer } from '../domain/apns-answer-policy';
import type { ApnsCredential, ApnsEnvironment } from '../domain/apns-credential';
import { AMBIGUOUS_DELIVERY } from '../domain/delivery-outcome';
import type { Device } from '../domain/device';
import { MetricName } from '../platform/metric-names';
import { type AttemptsResult, attemptsResult } from './attempts-result';
import type { FanOutDeps } from './fan-out-deps';
import { logPushAttempt } from './log-push-attempt';
import { isAmbiguous, planRetry } from './plan-retry';
import type { PreparedCall } from './prepared-call';
import { pruneRejectedToken } from './prune-rejected-token';
import { sendAttempt } from './send-attempt';

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
  let credential = firstCredential;
  let environment = device.environment;
  let refreshed = false;
  let checkingOtherEnvironment = false;
  let retries = 0;
  let firstSentAt = 0;
  for (let number = 1; ; number++) {
    const attempt = await sendAttempt(deps, call, device, token, credential, environment, number);
    if (number === 1) firstSentAt = attempt.sentAt;
    const { answer, statusCode, reason } = attempt;
    const result = (outcome: AttemptsResult['outcome'], why?: string) =>
      attemptsResult(attempt, outcome, why);
    const logAttempt = (outcome: string, extra?: Record<string, unknown>) =>
      logPushAttempt(deps, call, device, token, attempt, outcome, extra);
    const prune = (registeredBefore: Date, why: string) =>
      pruneRejectedToken(deps, call, device, token, attempt, registeredBefore, why);
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
        return prune(new Date(firstSentAt), 'BadDeviceToken');
      case 'prune':
        logAttempt('pruned');
        return prune(action.registeredBefore ?? new Date(attempt.sentAt), reason ?? 'Unregistered');
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
        const plan = planRetry(deps, call, number, retries);
        if (plan.kind === 'retry') {
          logAttempt('retry');
          deps.metrics.count(MetricName.PushRetried);
          retries += 1;
          await deps.clock.sleep(plan.delayMs);
          continue;
        }
        logAttempt(plan.outcome);
        return result(plan.outcome, 'retries_exhausted');
      }
    }
  }
}

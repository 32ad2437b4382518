import { AMBIGUOUS_DELIVERY, type DeviceOutcome } from '../domain/delivery-outcome';
import { type Device, platformOf } from '../domain/device';
import { tokenHash } from '../domain/token-hash';
import { describeError, equalJitterBackoffMs } from '../lib/helpers';
import { credentialErrorMetric, MetricName, platformLatencyMetric } from '../platform/metric-names';
import type { PushCredential } from '../ports/credential-provider';
import type { PreparedPush, PushAnswer, PushDecision } from '../ports/push-gateway';
import { claimDelivery, completeDelivery, type DeliveryResult, releaseDelivery } from './delivery-state';
import type { FanOutDeps, PreparedCall } from './fan-out-deps';

/**
 * One device of one call: pick the token, find the credential, check (strict mode: claim) the (call,
 * recipient, device, push kind) so a redelivery does not push an accepted device again, push and act on
 * each answer until a result, record it. Never throws for the platform's or the store's failures:
 * every device gets one outcome.
 */
export async function pushToDevice(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
): Promise<DeviceOutcome> {
  const { callId } = call.event;
  const base = { userId: device.userId, deviceId: device.deviceId };
  const push = call.pushes[platformOf(device)];
  const token = push.tokenOf(device);
  if (!token) return { ...base, outcome: 'no_token', attempts: 0 };

  let credential: PushCredential | undefined;
  let claim: Awaited<ReturnType<typeof claimDelivery>>;
  try {
    const platform = platformOf(device);
    credential = await deps.credentials.get(device.bundleId, platform);
    if (!credential) {
      const message =
        platform === 'android' ? 'no FCM credential for package' : 'no APNs credential for bundle';
      deps.log.error(message, { callId, deviceId: device.deviceId, bundleId: device.bundleId, platform });
      return { ...base, outcome: 'failed', reason: 'no_credential', attempts: 0 };
    }
    claim = await claimDelivery(deps, call, device);
  } catch (error) {
    // Nothing was sent yet, so the SQS redelivery may safely try this device again while the call rings.
    deps.log.error('push not started', { callId, deviceId: device.deviceId, error: describeError(error) });
    return { ...base, outcome: deferredIfRinging(deps, call), reason: 'internal_error', attempts: 0 };
  }
  if (claim.kind === 'skip') return { ...base, ...claim.outcome };

  let result: DeliveryResult;
  let stored: Awaited<ReturnType<typeof completeDelivery>> | undefined;
  try {
    result = await new DevicePush({ deps, call, push, device, token }, credential).run();
    // A record that could not be written does not change the outcome: a push the platform accepted stays
    // `delivered` (terminal), so this device never makes the queue record come back; only a redelivery
    // asked for by another device, or a duplicate SQS message, could reach it.
    stored = await completeDelivery(deps, call, device, claim.lease, result);
  } finally {
    // A buffered result stays "in flight" until its batch is written (the batches release it then).
    if (stored !== 'buffered') releaseDelivery(deps, call, device);
  }
  const outcome: DeviceOutcome = {
    ...base,
    outcome: result.outcome,
    attempts: result.attempts,
    apnsId: result.pushId,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.statusCode ? { statusCode: result.statusCode } : {}),
  };
  if (stored === 'lost' && result.outcome === 'deferred') {
    // Another worker took the lease meanwhile: it will finish this device, not our redelivery.
    return { ...outcome, outcome: 'failed', reason: 'lease_lost' };
  }
  return outcome;
}

/** A device not finished now: left to the SQS redelivery if the call still rings long enough, else failed. */
function deferredIfRinging(deps: FanOutDeps, call: PreparedCall): 'deferred' | 'failed' {
  return call.windowEndMs - deps.clock.now() >= deps.options.redeliveryMinWindowMs ? 'deferred' : 'failed';
}

/** What one device's pushes share: the call's ports and prepared push, the device and its token. */
interface DevicePushContext {
  readonly deps: FanOutDeps;
  readonly call: PreparedCall;
  readonly push: PreparedPush;
  readonly device: Device;
  readonly token: string;
}

/** One push sent and its answer, with when it went and came back (our clock). */
interface Attempt {
  /** 1 for the first push of this device, then one more per retry. */
  readonly number: number;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly answer: PushAnswer;
}

/** Sends again (after a retry's sleep), or ends with a result. */
type Next = DeliveryResult | 'send_again';

/**
 * The pushes to one device until a result: each answer's decision carried out (deliver, prune, fail,
 * refresh the credential once, try the platform's alternate route once, retry while the call rings),
 * one `push attempt` log line and the latency metrics per attempt.
 */
class DevicePush {
  private refreshed = false;
  /** The reason of the `try_alternate` that sent us to the alternate route, while we are on it. */
  private alternateFor: string | undefined;
  private retries = 0;
  private firstSentAt = 0;

  constructor(
    private readonly ctx: DevicePushContext,
    private credential: PushCredential,
  ) {}

  async run(): Promise<DeliveryResult> {
    for (let number = 1; ; number++) {
      const attempt = await this.send(number);
      if (number === 1) this.firstSentAt = attempt.sentAt;
      const next = await this.decide(attempt, attempt.answer.decision);
      if (next !== 'send_again') return next;
    }
  }

  private async send(number: number): Promise<Attempt> {
    const { deps, push, device, token } = this.ctx;
    const sentAt = deps.clock.now();
    const answer = await push.send({
      device,
      token,
      credential: this.credential,
      alternate: this.alternateFor !== undefined,
    });
    return { number, sentAt, answeredAt: deps.clock.now(), answer };
  }

  private async decide(attempt: Attempt, decision: PushDecision): Promise<Next> {
    const { deps, call, device } = this.ctx;
    const { callId } = call.event;
    const { statusCode, reason } = attempt.answer;

    if (
      this.alternateFor !== undefined &&
      decision.kind !== 'accepted' &&
      decision.kind !== 'try_alternate'
    ) {
      // The alternate route answered something else: the mix-up is not ruled in or out, so keep the token.
      this.log(attempt, 'failed');
      deps.log.warn('environment check inconclusive', {
        callId,
        deviceId: device.deviceId,
        statusCode,
        reason,
      });
      return { ...this.result(attempt, 'failed', this.alternateFor), environment: device.environment };
    }
    switch (decision.kind) {
      case 'accepted':
        this.log(attempt, 'delivered');
        if (this.alternateFor !== undefined) {
          deps.log.warn('environment_mismatch', {
            callId,
            deviceId: device.deviceId,
            bundleId: device.bundleId,
            registeredEnvironment: device.environment,
            acceptedEnvironment: attempt.answer.environment,
          });
          return this.result(attempt, 'delivered', 'environment_mismatch');
        }
        return this.result(attempt, 'delivered');
      case 'try_alternate':
        if (this.alternateFor === undefined) {
          this.log(attempt, 'check_other_environment');
          this.alternateFor = decision.reason;
          return 'send_again';
        }
        this.log(attempt, 'pruned');
        return this.prune(attempt, new Date(this.firstSentAt), decision.reason);
      case 'prune':
        this.log(attempt, 'pruned');
        return this.prune(attempt, decision.registeredBefore ?? new Date(attempt.sentAt), decision.reason);
      case 'fail':
        this.log(attempt, 'failed');
        if (decision.alarm === 'credential') this.credentialRefused(attempt, decision.reason);
        else if (decision.alarm) {
          deps.log.warn('push rejected', {
            callId,
            deviceId: device.deviceId,
            bundleId: device.bundleId,
            statusCode,
            reason: decision.reason,
          });
        }
        return this.result(attempt, 'failed', decision.reason);
      case 'refresh_credential': {
        deps.metrics.count(credentialErrorMetric(platformOf(device)));
        const fresh = this.refreshed
          ? undefined
          : await deps.credentials.refresh(device.bundleId, platformOf(device));
        if (fresh && fresh !== this.credential) {
          this.log(attempt, 'retry_with_fresh_credential');
          this.refreshed = true;
          this.credential = fresh;
          return 'send_again';
        }
        this.log(attempt, 'failed');
        this.credentialRefused(attempt, decision.reason, false);
        return this.result(attempt, 'failed', decision.reason);
      }
      case 'retry':
        return this.retry(attempt, decision);
    }
  }

  /**
   * Retries while attempts remain and the wait (backoff, or the platform's Retry-After) ends before the
   * ring window (or the invocation's deadline) does; then the push is deferred if the call still rings
   * long enough for a redelivery, else failed. A VoIP push the platform may already have (`maybe_delivered`)
   * is retried too (counted AmbiguousRetry: the app shows one call however many pushes it gets), unless
   * retryAmbiguousPushes is off.
   */
  private async retry(attempt: Attempt, decision: Extract<PushDecision, { kind: 'retry' }>): Promise<Next> {
    const { deps, call } = this.ctx;
    const opts = deps.options;
    if (attempt.answer.delivery === 'maybe_delivered' && call.kind === 'voip' && !opts.retryAmbiguousPushes) {
      this.log(attempt, 'failed', { reason: AMBIGUOUS_DELIVERY, transportError: attempt.answer.reason });
      return this.result(attempt, 'failed', AMBIGUOUS_DELIVERY);
    }
    if (decision.alarm)
      deps.log.warn('APNs reports a sender bug', { callId: call.event.callId, reason: decision.reason });
    const delayMs =
      decision.retryAfterMs ??
      equalJitterBackoffMs(opts.backoffBaseMs, opts.backoffCapMs, this.retries, deps.random());
    const now = deps.clock.now();
    const stopAt = Math.min(call.windowEndMs, call.context.deadlineMs ?? Number.POSITIVE_INFINITY);
    if (attempt.number < opts.maxAttempts && now + delayMs < stopAt) {
      this.log(attempt, 'retry');
      deps.metrics.count(MetricName.PushRetried);
      if (attempt.answer.delivery === 'maybe_delivered' && call.kind === 'voip')
        deps.metrics.count(MetricName.AmbiguousRetry);
      this.retries += 1;
      await deps.clock.sleep(delayMs);
      return 'send_again';
    }
    // Asked to wait past the ring window: a redelivery (seconds away) could only disobey the platform.
    const waitOutlastsRing = decision.retryAfterMs !== undefined && now + delayMs >= call.windowEndMs;
    const outcome = waitOutlastsRing ? 'failed' : deferredIfRinging(deps, call);
    this.log(attempt, outcome);
    return this.result(attempt, outcome, 'retries_exhausted');
  }

  /**
   * Removes a token the platform no longer takes, unless it was registered again since `registeredBefore`.
   * The result is `pruned` when it went, `failed` when it stays (re-registered, or the removal failed).
   */
  private async prune(attempt: Attempt, registeredBefore: Date, reason: string): Promise<DeliveryResult> {
    const { deps, call, device, token } = this.ctx;
    const where = { callId: call.event.callId, deviceId: device.deviceId };
    try {
      const removed = await deps.devices.pruneToken({
        userId: device.userId,
        deviceId: device.deviceId,
        kind: call.kind,
        token,
        registeredBefore,
      });
      if (removed) return this.result(attempt, 'pruned', reason);
      deps.log.info('prune skipped: token re-registered since', where);
    } catch (error) {
      deps.log.error('prune failed', { ...where, error: String(error) });
    }
    return this.result(attempt, 'failed', reason);
  }

  /** The platform refused the credential: counted (alarmed) unless already counted, and logged. */
  private credentialRefused(attempt: Attempt, reason: string, count = true): void {
    const { deps, call, device } = this.ctx;
    const platform = platformOf(device);
    if (count) deps.metrics.count(credentialErrorMetric(platform));
    deps.log.error(platform === 'android' ? 'FCM rejected the credential' : 'APNs rejected the credential', {
      callId: call.event.callId,
      bundleId: device.bundleId,
      platform,
      environment: attempt.answer.environment,
      statusCode: attempt.answer.statusCode,
      reason,
    });
  }

  /** The result that ends with this attempt. */
  private result(attempt: Attempt, outcome: DeliveryResult['outcome'], why?: string): DeliveryResult {
    const { answer } = attempt;
    return {
      outcome,
      ...(answer.environment ? { environment: answer.environment } : {}),
      attempts: attempt.number,
      pushId: answer.pushId,
      ...(why ? { reason: why } : {}),
      ...(answer.statusCode ? { statusCode: answer.statusCode } : {}),
      ...(outcome === 'delivered' ? { acceptedAt: new Date(attempt.answeredAt).toISOString() } : {}),
    };
  }

  /** The latency metrics and the `push attempt` log line of one attempt, with what was made of it. */
  private log(attempt: Attempt, outcome: string, extra: Record<string, unknown> = {}): void {
    const { deps, call, device, token } = this.ctx;
    const { answer } = attempt;
    const deliveryLatencyMs = attempt.answeredAt - Date.parse(call.event.createdAt);
    const platform = platformOf(device);
    deps.metrics.milliseconds(platformLatencyMetric(platform), answer.latencyMs);
    if (answer.decision.kind === 'accepted')
      deps.metrics.milliseconds(MetricName.DeliveryLatency, deliveryLatencyMs);
    deps.log.info('push attempt', {
      callId: call.event.callId,
      deviceId: device.deviceId,
      platform,
      bundleId: device.bundleId,
      environment: answer.environment,
      pushType: call.kind,
      tokenHash: tokenHash(token),
      // FCM names a message only when it took it: `messageId` then, never an `apnsId`.
      ...(platform === 'android'
        ? { messageId: answer.pushId === '' ? undefined : answer.pushId }
        : { apnsId: answer.pushId }),
      statusCode: answer.statusCode,
      reason: answer.reason,
      attempt: attempt.number,
      queueDelayMs: call.context.queueDelayMs,
      // Whole ms, as the other latencies: the metric keeps the fraction, the line needs no 15 digits.
      apnsLatencyMs: Math.round(answer.latencyMs),
      deliveryLatencyMs,
      outcome,
      ...(answer.delivery ? { maybeDelivered: answer.delivery === 'maybe_delivered' } : {}),
      ...extra,
    });
  }
}

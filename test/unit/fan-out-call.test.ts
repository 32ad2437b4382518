import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { TERMINAL_OUTCOMES } from '../../shared/domain/delivery-outcome';
import type { Device } from '../../shared/domain/device';
import { tokenHash } from '../../shared/domain/token-hash';
import { MetricName } from '../../shared/platform/metric-names';
import { fanOutCall } from '../../shared/use-cases/fan-out-call';
import { DEFAULT_FAN_OUT_OPTIONS, type FanOutOptions } from '../../shared/use-cases/fan-out-deps';
import { type FakeAnswer, ok, reject, transport } from '../fakes/fake-apns-transport';
import { aDevice } from '../fakes/fake-device-repository';
import { aCallEvent, CALL_CREATED_AT } from '../kit/call-events';
import { aTokenCredential } from '../kit/credentials';
import { fanOutHarness } from '../kit/sender-deps';

const T0 = Date.parse(CALL_CREATED_AT);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The delivery record of call-1's VoIP push to `device`. */
const voipKey = (device: Device, callId = 'call-1') =>
  ({ callId, userId: device.userId, deviceId: device.deviceId, pushType: 'voip' }) as const;

async function run(
  h: ReturnType<typeof fanOutHarness>,
  event = aCallEvent(),
  context = { queueDelayMs: 12 },
) {
  const result = await fanOutCall(h.deps, event, context);
  if (result.kind !== 'done') throw new Error(`rejected: ${result.reason}`);
  return result;
}

async function answerOnce(...answers: FakeAnswer[]) {
  return answerWith({}, ...answers);
}

async function answerWith(options: Partial<FanOutOptions>, ...answers: FakeAnswer[]) {
  const device = aDevice({ userId: 'user-1' });
  const h = fanOutHarness([device], options);
  h.apns.script(device.voipToken as string, ...answers);
  const result = await run(h);
  return { h, device, result, outcome: result.outcomes[0] };
}

describe('fanOutCall: requests', () => {
  it('sends a VoIP push with the design headers when an incoming_call reaches a device with a voipToken', async () => {
    const device = aDevice({ userId: 'user-1', environment: 'sandbox' });
    const h = fanOutHarness([device]);
    const result = await run(h);
    expect(result.outcomes).toEqual([
      expect.objectContaining({ deviceId: device.deviceId, outcome: 'delivered', attempts: 1 }),
    ]);
    const request = h.apns.sent[0]?.request;
    expect(request).toMatchObject({
      token: device.voipToken,
      environment: 'sandbox',
      pushType: 'voip',
      priority: 10,
      topic: 'com.example.app.voip',
      expiration: (T0 + 30_000) / 1000,
    });
    expect(request?.apnsId).toMatch(UUID);
    expect(request).not.toHaveProperty('collapseId');
    expect(JSON.parse(request?.payload ?? '{}')).toEqual({
      type: 'incoming_call',
      callId: 'call-1',
      caller: { id: 'user-9', displayName: 'Ada' },
      media: 'audio',
      createdAt: CALL_CREATED_AT,
      ringTimeoutSeconds: 30,
      data: { room: 'r-1' },
    });
    expect(h.metrics.sum(MetricName.PushAccepted)).toBe(1);
    expect(h.metrics.sum(MetricName.PushOutcome, { Reason: 'delivered' })).toBe(1);
    expect(h.metrics.sum(MetricName.DeliveryLatency)).toBe(1000);
  });

  it('sends an alert push to the alertToken with the bundle topic when a missed_call arrives', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    const result = await run(
      h,
      aCallEvent({ type: 'missed_call', createdAt: new Date(T0 - 3_600_000).toISOString() }),
    );
    expect(result.outcomes[0]?.outcome).toBe('delivered');
    const request = h.apns.sent[0]?.request;
    expect(request).toMatchObject({
      token: device.alertToken,
      pushType: 'alert',
      topic: 'com.example.app',
      priority: 10,
      collapseId: 'call-1',
    });
    expect(JSON.parse(request?.payload ?? '{}').aps).toEqual({
      alert: { title: 'Missed call', body: 'Ada' },
      sound: 'default',
    });
  });

  it('gives a fresh apns-id to every request when a push is retried', async () => {
    const { h } = await answerOnce(reject(503, 'ServiceUnavailable'), ok());
    const ids = h.apns.sent.map((s) => s.request.apnsId);
    expect(new Set(ids).size).toBe(2);
  });

  it('marks no_token and sends nothing when a device lacks the token the push type needs', async () => {
    const noVoip = aDevice({ userId: 'user-1', voipToken: undefined });
    const noAlert = aDevice({ userId: 'user-1', alertToken: undefined });
    const h = fanOutHarness([noVoip, noAlert]);
    const calls = await run(h);
    expect(calls.outcomes.map((o) => [o.deviceId, o.outcome])).toEqual([
      [noVoip.deviceId, 'no_token'],
      [noAlert.deviceId, 'delivered'],
    ]);
    const missed = await run(h, aCallEvent({ type: 'missed_call', callId: 'call-2' }));
    expect(missed.outcomes.map((o) => o.outcome)).toEqual(['delivered', 'no_token']);
    expect(h.metrics.sum(MetricName.PushOutcome, { Reason: 'no_token' })).toBe(2);
  });

  it('marks every device expired and sends nothing when the ring window has passed', async () => {
    const devices = [aDevice({ userId: 'user-1' }), aDevice({ userId: 'user-2' })];
    const h = fanOutHarness(devices);
    h.clock.current = T0 + 30_000;
    const result = await run(h, aCallEvent({ recipients: ['user-1', 'user-2'] }));
    expect(result.outcomes.map((o) => o.outcome)).toEqual(['expired', 'expired']);
    expect(h.apns.sent).toHaveLength(0);
    expect(h.metrics.sum(MetricName.CallExpired)).toBe(1);
    expect(h.log.withMessage('call expired before sending')).toHaveLength(1);
  });

  it('fails with no_credential and logs an error when no credential exists for the bundle', async () => {
    const device = aDevice({ userId: 'user-1', bundleId: 'com.unknown.app' });
    const h = fanOutHarness([device]);
    const result = await run(h);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'failed', reason: 'no_credential' });
    expect(h.apns.sent).toHaveLength(0);
    expect(h.metrics.sum(MetricName.PushFailed)).toBe(1);
    expect(h.metrics.sum(MetricName.PushOutcome, { Reason: 'failed:no_credential' })).toBe(1);
  });

  it('rejects the whole event as payload_too_large without a lookup when the payload does not fit', async () => {
    const h = fanOutHarness([aDevice({ userId: 'user-1' })]);
    const result = await fanOutCall(h.deps, aCallEvent({ data: { blob: 'x'.repeat(5200) } }), {});
    expect(result).toMatchObject({ kind: 'rejected', reason: 'payload_too_large' });
    expect(h.repo.maxInFlight).toBe(0);
  });

  it('throws once the pushes already started have ended when a recipient lookup fails, and the retried event rings only the rest', async () => {
    const h = fanOutHarness([aDevice({ userId: 'user-1' }), aDevice({ userId: 'user-2', deviceId: 'd-2' })]);
    h.repo.failingUsers.add('user-2');
    const event = aCallEvent({ recipients: ['user-1', 'user-2'] });
    await expect(fanOutCall(h.deps, event, {})).rejects.toThrow('lookup failed');
    expect(h.apns.sent).toHaveLength(1);
    h.repo.failingUsers.delete('user-2');
    const again = await run(h, event);
    expect(again.outcomes.map((o) => [o.userId, o.outcome])).toEqual([
      ['user-1', 'duplicate'],
      ['user-2', 'delivered'],
    ]);
    expect(h.apns.sent).toHaveLength(2);
  });

  it("rings a recipient's devices as soon as its lookup returns, while another recipient's lookup is still out", async () => {
    const h = fanOutHarness([aDevice({ userId: 'user-1' }), aDevice({ userId: 'user-2', deviceId: 'd-2' })]);
    let release = () => {};
    h.repo.gates.set('user-2', new Promise<void>((resolve) => (release = resolve)));
    const result = fanOutCall(h.deps, aCallEvent({ recipients: ['user-2', 'user-1'] }), {});
    for (let i = 0; i < 50 && h.apns.sent.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(h.apns.sent).toHaveLength(1);
    release();
    const done = await result;
    if (done.kind !== 'done') throw new Error('rejected');
    // Outcomes stay in recipient order whatever order the pushes went out in.
    expect(done.outcomes.map((o) => [o.userId, o.outcome])).toEqual([
      ['user-2', 'delivered'],
      ['user-1', 'delivered'],
    ]);
    expect(h.apns.sent).toHaveLength(2);
  });
});

describe('fanOutCall: APNs answers', () => {
  it('prunes the token registered before the 410 timestamp and does not retry when APNs answers Unregistered', async () => {
    const { h, device, outcome } = await answerOnce(reject(410, 'Unregistered', T0 + 500));
    expect(outcome).toMatchObject({
      outcome: 'pruned',
      reason: 'Unregistered',
      statusCode: 410,
      attempts: 1,
    });
    expect(h.repo.pruned).toEqual([
      {
        userId: 'user-1',
        deviceId: device.deviceId,
        kind: 'voip',
        token: device.voipToken,
        registeredBefore: new Date(T0 + 500),
      },
    ]);
    expect(h.repo.device('user-1', device.deviceId)?.voipToken).toBeUndefined();
    expect(h.metrics.sum(MetricName.PushPruned)).toBe(1);
  });

  it('keeps the token and fails when APNs answers 410 for a token re-registered after the timestamp', async () => {
    const { h, device, outcome } = await answerOnce(
      reject(410, 'ExpiredToken', Date.parse('2026-10-01T00:00:00Z')),
    );
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'ExpiredToken' });
    expect(h.repo.device('user-1', device.deviceId)?.voipToken).toBe(device.voipToken);
  });

  it('delivers through the other environment, warns environment_mismatch and keeps the token when only that host accepts', async () => {
    const device = aDevice({ userId: 'user-1', environment: 'production' });
    const h = fanOutHarness([device]);
    h.apns.respond = (req) => (req.environment === 'production' ? reject(400, 'BadDeviceToken') : ok());
    const result = await run(h);
    expect(result.outcomes[0]).toMatchObject({
      outcome: 'delivered',
      reason: 'environment_mismatch',
      attempts: 2,
    });
    expect(h.apns.sent.map((s) => s.request.environment)).toEqual(['production', 'sandbox']);
    expect(h.repo.pruned).toHaveLength(0);
    expect(h.log.withMessage('environment_mismatch')[0]?.level).toBe('warn');
    expect(h.metrics.sum(MetricName.PushOutcome, { Reason: 'delivered:environment_mismatch' })).toBe(1);
    expect((await h.deliveries.get(voipKey(device)))?.environment).toBe('sandbox');
  });

  it('prunes the token when both environments answer BadDeviceToken', async () => {
    const { h, outcome } = await answerOnce(reject(400, 'BadDeviceToken'));
    expect(outcome).toMatchObject({ outcome: 'pruned', reason: 'BadDeviceToken', attempts: 2 });
    expect(h.repo.pruned).toHaveLength(1);
  });

  it('fails without pruning when the other environment answers neither 200 nor BadDeviceToken', async () => {
    const { h, outcome } = await answerOnce(
      reject(400, 'BadDeviceToken'),
      reject(403, 'BadCertificateEnvironment'),
    );
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'BadDeviceToken' });
    expect(h.repo.pruned).toHaveLength(0);
  });

  it('fails flagged without pruning or retrying when APNs answers DeviceTokenNotForTopic', async () => {
    const { h, outcome } = await answerOnce(reject(400, 'DeviceTokenNotForTopic'));
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'DeviceTokenNotForTopic', attempts: 1 });
    expect(h.repo.pruned).toHaveLength(0);
    expect(h.log.withMessage('push rejected')[0]?.level).toBe('warn');
  });

  it.each([
    [400, 'BadTopic'],
    [400, 'BadExpirationDate'],
    [404, 'BadPath'],
    [405, 'MethodNotAllowed'],
    [413, 'PayloadTooLarge'],
  ])('fails permanently without retry when APNs answers %i %s', async (status, reason) => {
    const { h, outcome } = await answerOnce(reject(status, reason));
    expect(outcome).toMatchObject({ outcome: 'failed', reason, statusCode: status, attempts: 1 });
    expect(h.metrics.sum(MetricName.PushOutcome, { Reason: `failed:${reason}` })).toBe(1);
  });

  it('refreshes the credential and retries once with the rotated one when APNs answers 403', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    const rotated = aTokenCredential('com.example.app', { keyId: 'KEY7654321' });
    h.credentials.afterRefresh = rotated;
    h.apns.respond = (_req, cred) => (cred === rotated ? ok() : reject(403, 'InvalidProviderToken'));
    const result = await run(h);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(h.apns.sent[1]?.credential).toBe(rotated);
    expect(h.metrics.sum(MetricName.ApnsAuthError)).toBe(1);
  });

  it('fails after one refresh when APNs answers 403 and the credential did not change', async () => {
    const { h, outcome } = await answerOnce(reject(403, 'ExpiredProviderToken'));
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'ExpiredProviderToken', attempts: 1 });
    expect(h.credentials.refreshes).toBe(1);
    expect(h.metrics.sum(MetricName.ApnsAuthError)).toBe(1);
  });

  it.each([
    ['429 TooManyRequests', reject(429, 'TooManyRequests')],
    ['500 InternalServerError', reject(500, 'InternalServerError')],
    ['503 Shutdown', reject(503, 'Shutdown')],
    ['a refused stream (REFUSED_STREAM: not processed)', transport('reset', false)],
    ['a stream refused after GOAWAY', transport('goaway')],
    ['a failed TLS handshake', transport('tls')],
  ])(
    'retries with growing jittered backoff and delivers when APNs answers %s twice then 200',
    async (_row, answer) => {
      const { h, outcome } = await answerOnce(answer, answer, ok());
      expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 3 });
      expect(h.clock.slept).toEqual([38, 75]);
      expect(h.metrics.sum(MetricName.PushRetried)).toBe(2);
    },
  );

  it('fails retries_exhausted when the ring window closes while APNs keeps answering 503', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device], { maxAttempts: 1000 });
    h.apns.script(device.voipToken as string, reject(503, 'ServiceUnavailable'));
    const result = await run(h);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'failed', reason: 'retries_exhausted' });
    expect(result.retryLater).toBe(false);
    expect(h.clock.current).toBeLessThan(T0 + 30_000);
    expect(Math.max(...h.clock.slept)).toBeLessThanOrEqual(DEFAULT_FAN_OUT_OPTIONS.backoffCapMs);
  });

  it('defers the device to a redelivery when the invocation deadline comes while the call still rings', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    h.apns.script(device.voipToken as string, transport('goaway'));
    const result = await run(h, aCallEvent(), { queueDelayMs: 0, deadlineMs: T0 + 1500 } as never);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'deferred', reason: 'retries_exhausted' });
    expect(result.retryLater).toBe(true);
    expect((await h.deliveries.get(voipKey(device)))?.status).toBe('failed');
  });
});

describe('fanOutCall: ambiguous transport outcomes (APNs may have taken the push)', () => {
  it.each([
    ['a reset stream', transport('reset')],
    ['a timeout', transport('timeout')],
    ['a dropped connection', transport('closed')],
  ])('retries by default and counts AmbiguousRetry when a VoIP push gets %s', async (_row, answer) => {
    const { h, outcome } = await answerOnce(answer, ok());
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(h.apns.sent).toHaveLength(2);
    expect(h.metrics.sum(MetricName.AmbiguousRetry)).toBe(1);
    expect(h.metrics.sum(MetricName.PushRetried)).toBe(1);
  });

  it('counts no AmbiguousRetry for a retry APNs never took (503)', async () => {
    const { h, outcome } = await answerOnce(reject(503, 'ServiceUnavailable'), ok());
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(h.metrics.sum(MetricName.PushRetried)).toBe(1);
    expect(h.metrics.sum(MetricName.AmbiguousRetry)).toBe(0);
  });

  it.each([
    ['a reset stream', transport('reset')],
    ['a timeout', transport('timeout')],
    ['a dropped connection', transport('closed')],
  ])(
    'ends failed ambiguous_delivery without a second send in strict mode when a VoIP push gets %s',
    async (_row, answer) => {
      const { h, device, result, outcome } = await answerWith({ retryAmbiguousPushes: false }, answer, ok());
      expect(outcome).toMatchObject({ outcome: 'failed', reason: 'ambiguous_delivery', attempts: 1 });
      expect(result.retryLater).toBe(false);
      expect(h.apns.sent).toHaveLength(1);
      expect(h.clock.slept).toEqual([]);
      expect(h.metrics.sum(MetricName.PushRetried)).toBe(0);
      expect(h.metrics.sum(MetricName.PushFailed)).toBe(1);
      expect(h.metrics.sum(MetricName.PushOutcome, { Reason: 'failed:ambiguous_delivery' })).toBe(1);
      expect(h.log.withMessage('push attempt').map((l) => l.data)).toEqual([
        expect.objectContaining({
          outcome: 'failed',
          reason: 'ambiguous_delivery',
          transportError: answer.kind === 'transport-error' ? answer.error : '',
          maybeDelivered: true,
        }),
      ]);
      expect(await h.deliveries.get(voipKey(device))).toMatchObject({
        status: 'failed',
        reason: 'ambiguous_delivery',
      });
    },
  );

  it('sends nothing more for the device when the event is delivered again after an ambiguous outcome in strict mode', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device], { retryAmbiguousPushes: false });
    h.apns.script(device.voipToken as string, transport('timeout'), ok());
    const event = aCallEvent({ ringTimeoutSeconds: 120 });
    await run(h, event);
    h.clock.current += DEFAULT_FAN_OUT_OPTIONS.leaseMs + 1;
    const again = await run(h, event);
    expect(again.outcomes[0]).toMatchObject({ outcome: 'duplicate', reason: 'ambiguous_delivery' });
    expect(again.retryLater).toBe(false);
    expect(h.apns.sent).toHaveLength(1);
    expect(h.metrics.sum(MetricName.PushDuplicate)).toBe(1);
  });

  it('retries an ambiguous VoIP push again and delivers when RETRY_AMBIGUOUS_PUSHES is on', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device], { retryAmbiguousPushes: true });
    h.apns.script(device.voipToken as string, transport('timeout'), transport('reset'), ok());
    const result = await run(h);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'delivered', attempts: 3 });
    expect(h.clock.slept).toEqual([38, 75]);
    expect(h.metrics.sum(MetricName.PushRetried)).toBe(2);
    expect(h.log.withMessage('push attempt').map((l) => [l.data.outcome, l.data.maybeDelivered])).toEqual([
      ['retry', true],
      ['retry', true],
      ['delivered', undefined],
    ]);
  });

  it('retries a missed-call alert whose outcome was ambiguous when the switch is off', async () => {
    // The rule is for VoIP pushes (a second ring); a missed-call alert keeps the reference's retry.
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device], { retryAmbiguousPushes: false });
    h.apns.script(device.alertToken as string, transport('timeout'), ok());
    const result = await run(h, aCallEvent({ type: 'missed_call' }));
    expect(result.outcomes[0]).toMatchObject({ outcome: 'delivered', attempts: 2 });
  });
});

describe('fanOutCall: the delivery record after APNs answered', () => {
  it('retries the record write and stores accepted when the deliveries table fails briefly after APNs accepted', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    h.deliveries.failCompletes = 3;
    const event = aCallEvent({ ringTimeoutSeconds: 120 });
    const result = await run(h, event);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'delivered', attempts: 1 });
    expect(result.retryLater).toBe(false);
    expect(h.deliveries.completeCalls).toBe(4);
    expect((await h.deliveries.get(voipKey(device)))?.status).toBe('accepted');
    expect(h.log.withMessage('delivery batch written after retries')[0]?.data).toMatchObject({
      callId: 'call-1',
      devices: 1,
      attempts: 4,
    });
    expect(h.metrics.sum(MetricName.DeliveryRecordLost)).toBe(0);

    // The redelivery finds the record even after the lease would have run out: no second push.
    h.clock.current += DEFAULT_FAN_OUT_OPTIONS.leaseMs + 1;
    expect((await run(h, event)).outcomes[0]?.outcome).toBe('duplicate');
    expect(h.apns.sent).toHaveLength(1);
  });

  it('keeps delivered, asks for no redelivery and logs record lost when the record cannot be written within the lease', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    h.deliveries.failCompletes = Number.POSITIVE_INFINITY;
    const claimedAt = h.clock.current;
    const result = await run(h);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'delivered' });
    expect(result.retryLater).toBe(false);
    expect(h.metrics.sum(MetricName.DeliveryRecordLost)).toBe(1);
    expect(h.metrics.sum(MetricName.PushAccepted)).toBe(1);
    const [lost] = h.log.withMessage('record lost');
    expect(lost?.level).toBe('error');
    expect(lost?.data).toMatchObject({ callId: 'call-1', deviceId: device.deviceId });
    // Retried for most of the lease, given up just before it ends (margin 1 s of a 30 s lease).
    const { leaseMs } = DEFAULT_FAN_OUT_OPTIONS;
    expect(h.deliveries.completeCalls).toBeGreaterThan(20);
    expect(h.clock.current).toBeLessThanOrEqual(claimedAt + leaseMs - 1000);
    expect(h.clock.current).toBeGreaterThan(claimedAt + leaseMs - 3000);
  });

  it('stops retrying the record write before the invocation times out when that comes before the lease ends', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    h.deliveries.failCompletes = Number.POSITIVE_INFINITY;
    const invocationEndMs = h.clock.current + 5000;
    const result = await run(h, aCallEvent(), { queueDelayMs: 0, invocationEndMs } as never);
    expect(result.outcomes[0]?.outcome).toBe('delivered');
    expect(h.clock.current).toBeLessThanOrEqual(invocationEndMs - 1000);
    expect(h.log.withMessage('record lost')).toHaveLength(1);
  });

  it('writes the record once and lets the lease run out when the write fails after APNs refused the push', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    h.apns.script(device.voipToken as string, reject(400, 'BadTopic'));
    h.deliveries.failCompletes = Number.POSITIVE_INFINITY;
    const result = await run(h);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'failed', reason: 'BadTopic' });
    expect(h.deliveries.completeCalls).toBe(1);
    expect(h.log.withMessage('delivery batch not written')).toHaveLength(1);
    expect(h.metrics.sum(MetricName.DeliveryRecordLost)).toBe(0);
  });
});

describe('fanOutCall: duplicates, bounds, conservation', () => {
  it('suppresses the second send and counts PushDuplicate when the same event is delivered twice', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    await run(h);
    const second = await run(h);
    expect(second.outcomes[0]).toMatchObject({ outcome: 'duplicate' });
    expect(h.apns.sent).toHaveLength(1);
    expect(h.metrics.sum(MetricName.PushDuplicate)).toBe(1);
  });

  it("writes one batch for a recipient's devices and claims no lease when the default mode sends", async () => {
    const devices = [
      aDevice({ userId: 'user-1', deviceId: 'a' }),
      aDevice({ userId: 'user-1', deviceId: 'b' }),
    ];
    const h = fanOutHarness(devices);
    await run(h);
    expect(h.deliveries.completeCalls).toBe(1);
    expect(h.deliveries.batches[0]?.entries.map((e) => e.deviceId).sort()).toEqual(['a', 'b']);
    // One read of the event's records before its pushes, not one per device.
    expect(h.deliveries.readCallCalls).toBe(1);
    for (const device of devices) {
      const record = await h.deliveries.get(voipKey(device));
      expect(record).toMatchObject({ status: 'accepted', claims: 1 });
      expect(record?.leaseId).toBeUndefined();
    }
  });

  it('writes a group call in batches of one read group each, every device once, when 100 recipients ring', async () => {
    const users = Array.from({ length: 100 }, (_, i) => `member-${i}`);
    const h = fanOutHarness(users.map((userId) => aDevice({ userId })));
    await run(h, aCallEvent({ recipients: users }));
    const { batches } = h.deliveries;
    const groups = new Set(users.map((u) => h.deliveries.readGroup(u)));
    // About one batch per group: far fewer writes than pushes.
    expect(batches.length).toBeGreaterThanOrEqual(groups.size);
    expect(batches.length).toBeLessThan(users.length / 2);
    for (const batch of batches) {
      expect(batch.entries.every((e) => h.deliveries.readGroup(e.userId) === batch.group)).toBe(true);
      expect(batch.entries.length).toBeLessThanOrEqual(DEFAULT_FAN_OUT_OPTIONS.recordBatchSize);
    }
    const written = batches.flatMap((b) => b.entries.map((e) => e.userId));
    expect(written.sort()).toEqual([...users].sort());
    expect(batches.flatMap((b) => b.entries).every((e) => e.status === 'accepted')).toBe(true);
  });

  it('writes a full batch at once and the rest at the end when one recipient has more devices than a batch holds', async () => {
    const devices = Array.from({ length: 12 }, (_, i) => aDevice({ userId: 'user-1', deviceId: `d${i}` }));
    const h = fanOutHarness(devices, { recordBatchSize: 5 });
    await run(h);
    expect(h.deliveries.batches.map((b) => b.entries.length)).toEqual([5, 5, 2]);
  });

  it("writes the answered devices' batch after the longest wait while another device of the group still hangs", async () => {
    const quick = aDevice({ userId: 'user-1', deviceId: 'quick' });
    const slow = aDevice({ userId: 'user-1', deviceId: 'slow' });
    const h = fanOutHarness([quick, slow], { recordBatchMaxWaitMs: 50 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const send = h.apns.send.bind(h.apns);
    h.apns.send = async (credential, request) => {
      if (request.token === slow.voipToken) await gate;
      return send(credential, request);
    };
    const done = run(h);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.deliveries.batches.map((b) => b.entries.map((e) => e.deviceId))).toEqual([['quick']]);
    release();
    await done;
    expect(h.deliveries.batches.map((b) => b.entries.map((e) => e.deviceId))).toEqual([['quick'], ['slow']]);
  });

  it("reads the event's delivery records once per read group, not per device, when a group call rings", async () => {
    const users = Array.from({ length: 40 }, (_, i) => `member-${i}`);
    const h = fanOutHarness(users.map((userId) => aDevice({ userId })));
    await run(h, aCallEvent({ recipients: users }));
    expect(h.apns.sent).toHaveLength(40);
    const groups = new Set(users.map((u) => h.deliveries.readGroup(u)));
    expect(groups.size).toBeGreaterThan(1);
    expect(h.deliveries.readCallCalls).toBe(groups.size);
  });

  it('pushes each device once when the same event is fanned out twice at the same time by one sender', async () => {
    const devices = [
      aDevice({ userId: 'user-1', deviceId: 'a' }),
      aDevice({ userId: 'user-1', deviceId: 'b' }),
    ];
    const h = fanOutHarness(devices);
    const [first, second] = await Promise.all([run(h), run(h)]);
    expect(h.apns.sent).toHaveLength(2);
    const outcomes = [...(first?.outcomes ?? []), ...(second?.outcomes ?? [])].map((o) => o.outcome);
    expect(outcomes.sort()).toEqual(['delivered', 'delivered', 'duplicate', 'duplicate']);
    // Once done, the device is free again: a later redelivery reads the record (duplicate, no push).
    expect((await run(h)).outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(h.apns.sent).toHaveLength(2);
  });

  it('claims a lease before the push and completes under it when strict mode sends', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device], { retryAmbiguousPushes: false });
    await run(h);
    const record = await h.deliveries.get(voipKey(device));
    expect(record).toMatchObject({ status: 'accepted', claims: 1 });
    expect(record?.leaseId).toMatch(UUID);
  });

  it('sends again when an earlier attempt failed without APNs accepting', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    h.apns.script(device.voipToken as string, reject(400, 'BadTopic'), ok());
    await run(h);
    const second = await run(h);
    expect(second.outcomes[0]?.outcome).toBe('delivered');
  });

  it('defers without sending and asks for a retry when another worker holds the lease', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    h.deliveries.holdLease(voipKey(device), 10_000);
    const result = await run(h);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'deferred', reason: 'lease_held' });
    expect(result.retryLater).toBe(true);
    expect(h.apns.sent).toHaveLength(0);
  });

  it('takes over and sends when the lease of a crashed attempt has run out', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    h.deliveries.holdLease(voipKey(device), -1);
    expect((await run(h)).outcomes[0]?.outcome).toBe('delivered');
  });

  it('rings each recipient once when two recipients both have a device with the same deviceId', async () => {
    const ada = aDevice({ userId: 'user-1', deviceId: 'phone' });
    const bob = aDevice({ userId: 'user-2', deviceId: 'phone' });
    const h = fanOutHarness([ada, bob]);
    const result = await run(h, aCallEvent({ recipients: ['user-1', 'user-2'] }));
    expect(result.outcomes.map((o) => [o.userId, o.deviceId, o.outcome])).toEqual([
      ['user-1', 'phone', 'delivered'],
      ['user-2', 'phone', 'delivered'],
    ]);
    expect(h.apns.sentTo(ada.voipToken as string)).toHaveLength(1);
    expect(h.apns.sentTo(bob.voipToken as string)).toHaveLength(1);
    expect(h.metrics.sum(MetricName.PushAccepted)).toBe(2);
    expect(h.metrics.sum(MetricName.PushDuplicate)).toBe(0);
    expect((await h.deliveries.get(voipKey(ada)))?.userId).toBe('user-1');
    expect((await h.deliveries.get(voipKey(bob)))?.userId).toBe('user-2');

    const again = await run(h, aCallEvent({ recipients: ['user-1', 'user-2'] }));
    expect(again.outcomes.map((o) => o.outcome)).toEqual(['duplicate', 'duplicate']);
    expect(h.apns.sent).toHaveLength(2);
  });

  it('sends the missed-call alert when a missed_call reuses the callId of an accepted incoming_call', async () => {
    const device = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device]);
    expect((await run(h)).outcomes[0]?.outcome).toBe('delivered');
    const missed = aCallEvent({ type: 'missed_call' });
    const result = await run(h, missed);
    expect(result.outcomes[0]).toMatchObject({ outcome: 'delivered', attempts: 1 });
    expect(h.apns.sentTo(device.alertToken as string)).toEqual([
      expect.objectContaining({ pushType: 'alert', topic: 'com.example.app' }),
    ]);
    expect(h.metrics.sum(MetricName.PushDuplicate)).toBe(0);
    expect((await h.deliveries.get({ ...voipKey(device), pushType: 'alert' }))?.status).toBe('accepted');
    expect((await h.deliveries.get(voipKey(device)))?.pushType).toBe('voip');

    const duplicate = await run(h, missed);
    expect(duplicate.outcomes[0]).toMatchObject({ outcome: 'duplicate' });
    expect(h.apns.sentTo(device.alertToken as string)).toHaveLength(1);
    expect(h.metrics.sum(MetricName.PushDuplicate)).toBe(1);
  });

  it('counts VoipPushAccepted for accepted VoIP pushes only when calls and missed calls are sent', async () => {
    const device = aDevice({ userId: 'user-1' });
    const failing = aDevice({ userId: 'user-1' });
    const h = fanOutHarness([device, failing]);
    h.apns.script(failing.voipToken as string, reject(400, 'BadTopic'));
    h.apns.script(failing.alertToken as string, reject(400, 'BadTopic'));
    await run(h);
    await run(h, aCallEvent({ type: 'missed_call' }));
    await run(h);
    expect(h.metrics.sum(MetricName.PushAccepted)).toBe(2);
    expect(h.metrics.sum(MetricName.VoipPushAccepted)).toBe(1);
    expect(h.metrics.sum(MetricName.PushDuplicate)).toBe(1);
  });

  it('keeps lookups within 16 and pushes within 64 in flight when a call has many recipients', async () => {
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const devices = users.flatMap((userId) => Array.from({ length: 5 }, () => aDevice({ userId })));
    const h = fanOutHarness(devices);
    h.repo.delayMs = 2;
    h.apns.delayMs = 2;
    const result = await run(h, aCallEvent({ recipients: users }));
    expect(result.outcomes).toHaveLength(200);
    expect(h.repo.maxInFlight).toBe(16);
    expect(h.apns.maxInFlight).toBe(64);
  });

  it('gives every device exactly one outcome when APNs answers anything', async () => {
    const answers = fc.constantFrom<FakeAnswer>(
      ok(),
      reject(410, 'Unregistered', T0),
      reject(400, 'BadDeviceToken'),
      reject(400, 'DeviceTokenNotForTopic'),
      reject(403, 'InvalidProviderToken'),
      reject(429, 'TooManyRequests'),
      reject(500, 'InternalServerError'),
      transport('timeout'),
      reject(418, 'Teapot'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(answers, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }),
        async (scripts) => {
          const devices = scripts.map((_, i) =>
            aDevice({
              userId: `user-${i % 3}`,
              voipToken: i % 5 === 4 ? undefined : `ab${i.toString(16).padStart(4, '0')}cd`,
            }),
          );
          const h = fanOutHarness(devices, { maxAttempts: 3 });
          for (const [i, script] of scripts.entries())
            h.apns.script(devices[i]?.voipToken ?? 'none', ...script);
          const result = await run(h, aCallEvent({ recipients: ['user-0', 'user-1', 'user-2'] }));
          expect(result.outcomes.map((o) => o.deviceId).sort()).toEqual(
            devices.map((d) => d.deviceId).sort(),
          );
          const terminal = result.outcomes.filter((o) => TERMINAL_OUTCOMES.includes(o.outcome)).length;
          expect(h.metrics.sum(MetricName.PushOutcome)).toBe(terminal);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('logs one line per attempt with the latency fields and only a hash of the token', async () => {
    const { h, device } = await answerOnce(reject(500, 'InternalServerError'), ok());
    const lines = h.log.withMessage('push attempt');
    expect(lines).toHaveLength(2);
    expect(lines[1]?.data).toMatchObject({
      callId: 'call-1',
      deviceId: device.deviceId,
      tokenHash: tokenHash(device.voipToken as string),
      statusCode: 200,
      attempt: 2,
      queueDelayMs: 12,
      apnsLatencyMs: 7,
      outcome: 'delivered',
    });
    expect(lines[1]?.data.apnsId).toMatch(UUID);
    expect(lines[1]?.data.deliveryLatencyMs).toBe(h.clock.current - T0);
    expect(lines[0]?.data).toMatchObject({
      statusCode: 500,
      reason: 'InternalServerError',
      outcome: 'retry',
    });
    expect(JSON.stringify(h.log.lines)).not.toContain(device.voipToken);
  });
});

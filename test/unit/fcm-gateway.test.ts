import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DEV_ANDROID_PACKAGE, devFcmCredential } from '../../local/fcm-simulator/dev-credentials';
import { type FcmSimulator, startFcmSimulator } from '../../local/fcm-simulator/simulator';
import { FcmClient } from '../../shared/adapters/fcm/fcm-client';
import type { Device } from '../../shared/domain/device';
import { FCM_PAYLOAD_LIMIT_BYTES } from '../../shared/domain/fcm-message';
import { MetricName } from '../../shared/platform/metric-names';
import { fanOutCall } from '../../shared/use-cases/fan-out-call';
import { aDevice } from '../fakes/fake-device-repository';
import { type FakeFcmAnswer, fcmOk, fcmReject } from '../fakes/fake-fcm-transport';
import { fcmToken } from '../fixtures/fcm/messages';
import { aCallEvent, CALL_CREATED_AT } from '../kit/call-events';
import { anFcmCredential, aTokenCredential, FakeCredentials } from '../kit/credentials';
import { fanOutDeps, fanOutHarness } from '../kit/sender-deps';

/**
 * FCM's answer table (docs/contracts.md, FCM requests and answers) through the FCM gateway and the
 * fan-out use case: what each answer does to the device (delivered, pruned, failed, retried), its token
 * and the alarms. First over the fake transport, then the rows that live in the client over the simulator.
 */
const T0 = Date.parse(CALL_CREATED_AT);

/** An Android device: an FCM token and no APNs tokens or environment. */
function anAndroidDevice(overrides: Partial<Device> = {}): Device {
  const { voipToken: _v, alertToken: _a, environment: _e, ...base } = aDevice({ userId: 'user-1' });
  return { ...base, platform: 'android', fcmToken: fcmToken(Math.floor(Math.random() * 1e9)), ...overrides };
}

async function ring(h: ReturnType<typeof fanOutHarness>, event = aCallEvent()) {
  const result = await fanOutCall(h.deps, event, { queueDelayMs: 5 });
  if (result.kind !== 'done') throw new Error(`rejected: ${result.reason}`);
  return result.outcomes[0];
}

/** One Android device of user-1 whose sends FCM answers with `answers` (the last repeats). */
async function answered(...answers: FakeFcmAnswer[]) {
  return answeredWith({}, ...answers);
}

async function answeredWith(options: Parameters<typeof fanOutHarness>[1], ...answers: FakeFcmAnswer[]) {
  const device = anAndroidDevice();
  const h = fanOutHarness([device], options);
  h.fcm.script(device.fcmToken as string, ...answers);
  const outcome = await ring(h);
  return { h, device, outcome };
}

const fcmTokenOf = (h: ReturnType<typeof fanOutHarness>, device: Device) =>
  h.repo.device(device.userId, device.deviceId)?.fcmToken;

describe('FCM gateway: messages', () => {
  it('sends a high-priority data message of strings whose ttl is the rest of the ring window when a call rings', async () => {
    const { h, device, outcome } = await answered(fcmOk());
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 1 });
    const [sent] = h.fcm.sent;
    expect(sent?.message.token).toBe(device.fcmToken);
    // The fake clock is 1 s into the 30 s ring window.
    expect(sent?.message.android).toEqual({ priority: 'HIGH', ttl: '29s' });
    expect(sent?.message.notification).toBeUndefined();
    const data = sent?.message.data ?? {};
    expect(Object.values(data).every((value) => typeof value === 'string')).toBe(true);
    expect(data).toMatchObject({ type: 'incoming_call', callId: 'call-1', ringTimeoutSeconds: '30' });
    expect(JSON.parse(data.caller as string)).toEqual({ id: 'user-9', displayName: 'Ada' });
    expect(h.apns.sent).toHaveLength(0);
  });

  it('sends a normal-priority notification collapsed by callId, without a ttl, when the call was missed', async () => {
    const device = anAndroidDevice();
    const h = fanOutHarness([device]);
    const outcome = await ring(h, aCallEvent({ type: 'missed_call', callId: 'call-7' }));
    expect(outcome?.outcome).toBe('delivered');
    const message = h.fcm.sent[0]?.message;
    expect(message?.android).toEqual({ priority: 'NORMAL', collapse_key: 'call-7' });
    expect(message?.notification).toEqual({ title: 'Missed call', body: 'Ada' });
    expect(message?.token).toBe(device.fcmToken);
  });

  it('rejects the whole call naming the size, sending nothing, when the FCM payload is over its limit', async () => {
    const device = anAndroidDevice();
    const h = fanOutHarness([device]);
    const event = aCallEvent({ data: { blob: 'x'.repeat(FCM_PAYLOAD_LIMIT_BYTES) } });
    const result = await fanOutCall(h.deps, event, { queueDelayMs: 5 });
    expect(result).toEqual({
      kind: 'rejected',
      reason: 'payload_too_large',
      details: [expect.stringMatching(new RegExp(`^fcm payload \\d+ > ${FCM_PAYLOAD_LIMIT_BYTES} bytes$`))],
    });
    expect(h.fcm.sent).toHaveLength(0);
  });

  it('gives each retry the ttl left at its own send when FCM asks to wait', async () => {
    const { h } = await answered(fcmReject(503, 'UNAVAILABLE', { retryAfterMs: 5000 }), fcmOk());
    expect(h.fcm.sent.map((s) => s.message.android.ttl)).toEqual(['29s', '24s']);
  });
});

describe('FCM gateway: answers', () => {
  it('records the message name as the push id and logs it as messageId when FCM answers 200', async () => {
    const { h, outcome } = await answered(fcmOk());
    expect(outcome).toMatchObject({ outcome: 'delivered', apnsId: 'projects/demo-project/messages/1' });
    const [line] = h.log.withMessage('push attempt');
    expect(line?.data).toMatchObject({ platform: 'android', messageId: 'projects/demo-project/messages/1' });
    expect(line?.data).not.toHaveProperty('apnsId');
    expect(h.metrics.sum(MetricName.PushAccepted)).toBe(1);
  });

  it('prunes the FCM token, with the send start as cutoff, when FCM answers 404 UNREGISTERED', async () => {
    const { h, device, outcome } = await answered(fcmReject(404, 'UNREGISTERED'));
    expect(outcome).toMatchObject({ outcome: 'pruned', reason: 'UNREGISTERED', attempts: 1 });
    expect(fcmTokenOf(h, device)).toBeUndefined();
    expect(h.repo.pruned).toEqual([
      expect.objectContaining({ token: device.fcmToken, registeredBefore: new Date(T0 + 1000) }),
    ]);
  });

  it.each([
    ['names message.token', { fieldViolations: ['message.token'] }],
    [
      'says the registration token is not valid',
      { message: 'The registration token is not a valid FCM registration token' },
    ],
  ])('prunes the token when FCM answers 400 INVALID_ARGUMENT that %s', async (_what, extra) => {
    const { h, device, outcome } = await answered(fcmReject(400, 'INVALID_ARGUMENT', extra));
    expect(outcome).toMatchObject({ outcome: 'pruned', reason: 'INVALID_ARGUMENT' });
    expect(fcmTokenOf(h, device)).toBeUndefined();
  });

  it('keeps the token when the device registered again while FCM answered UNREGISTERED', async () => {
    const device = anAndroidDevice();
    const h = fanOutHarness([device]);
    h.fcm.script(device.fcmToken as string, fcmReject(404, 'UNREGISTERED'));
    const send = h.fcm.send.bind(h.fcm);
    h.fcm.send = async (credential, message) => {
      // The app registers the same token again while the push is in flight.
      h.repo.put({ ...device, updatedAt: new Date(h.clock.now()).toISOString() });
      return send(credential, message);
    };
    const outcome = await ring(h);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'UNREGISTERED' });
    expect(fcmTokenOf(h, device)).toBe(device.fcmToken);
    expect(h.log.withMessage('prune skipped: token re-registered since')).toHaveLength(1);
  });

  it('fails without pruning or retrying when FCM answers 400 INVALID_ARGUMENT about the message', async () => {
    const { h, device, outcome } = await answered(
      fcmReject(400, 'INVALID_ARGUMENT', { fieldViolations: ['message.android.ttl'] }),
    );
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'INVALID_ARGUMENT', attempts: 1 });
    expect(fcmTokenOf(h, device)).toBe(device.fcmToken);
    expect(h.repo.pruned).toEqual([]);
    expect(h.log.withMessage('push rejected')).toHaveLength(1);
    expect(h.metrics.sum(MetricName.FcmAuthError)).toBe(0);
  });

  it.each(['SENDER_ID_MISMATCH', 'PERMISSION_DENIED'])(
    'fails once and counts FcmAuthError, keeping the token, when FCM answers 403 %s',
    async (code) => {
      const { h, device, outcome } = await answered(fcmReject(403, code));
      expect(outcome).toMatchObject({ outcome: 'failed', reason: code, attempts: 1 });
      expect(h.metrics.sum(MetricName.FcmAuthError)).toBe(1);
      expect(h.metrics.sum(MetricName.ApnsAuthError)).toBe(0);
      expect(h.log.withMessage('FCM rejected the credential')).toEqual([
        expect.objectContaining({
          level: 'error',
          data: expect.objectContaining({ reason: code, platform: 'android' }),
        }),
      ]);
      expect(fcmTokenOf(h, device)).toBe(device.fcmToken);
    },
  );

  it('reads the credential again and resends once with the rotated one when FCM still answers 401', async () => {
    const device = anAndroidDevice();
    const h = fanOutHarness([device]);
    const rotated = anFcmCredential('com.example.app', 'demo-project');
    h.credentials.afterRefresh = rotated;
    h.fcm.script(device.fcmToken as string, fcmReject(401, 'UNAUTHENTICATED'), fcmOk());
    const outcome = await ring(h);
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(h.credentials.refreshes).toBe(1);
    expect(h.fcm.sent[1]?.credential).toBe(rotated);
  });

  it('fails after one send, counting FcmAuthError once, when FCM answers 401 and the credential did not change', async () => {
    const { h, outcome } = await answered(fcmReject(401, 'UNAUTHENTICATED'));
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'UNAUTHENTICATED', attempts: 1 });
    expect(h.fcm.sent).toHaveLength(1);
    expect(h.credentials.refreshes).toBe(1);
    expect(h.metrics.sum(MetricName.FcmAuthError)).toBe(1);
  });

  it.each([
    [429, 'QUOTA_EXCEEDED'],
    [500, 'INTERNAL'],
    [503, 'UNAVAILABLE'],
  ])('retries after the Retry-After delay and delivers when FCM answers %i %s once', async (status, code) => {
    const { h, outcome } = await answered(fcmReject(status, code, { retryAfterMs: 2000 }), fcmOk());
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(h.clock.slept).toEqual([2000]);
    expect(h.metrics.sum(MetricName.PushRetried)).toBe(1);
  });

  it('retries with a backoff within the cap when a 503 has no Retry-After', async () => {
    const { h, outcome } = await answered(fcmReject(503, 'UNAVAILABLE'), fcmOk());
    expect(outcome?.outcome).toBe('delivered');
    expect(h.clock.slept).toHaveLength(1);
    expect(h.clock.slept[0]).toBeGreaterThan(0);
    expect(h.clock.slept[0]).toBeLessThanOrEqual(800);
  });

  it('stops retrying before the ring window ends, every send inside it, when FCM keeps answering 503', async () => {
    const { h, outcome } = await answered(fcmReject(503, 'UNAVAILABLE', { retryAfterMs: 10_000 }));
    // Sends at 1 s, 11 s and 21 s of the 30 s window; a fourth would be at 31 s.
    expect(h.fcm.sent.map((s) => s.message.android.ttl)).toEqual(['29s', '19s', '9s']);
    expect(h.clock.slept).toEqual([10_000, 10_000]);
    expect(h.clock.now()).toBeLessThan(T0 + 30_000);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'retries_exhausted', attempts: 3 });
  });

  it('defers to a redelivery when the invocation ends before a Retry-After that fits the ring window', async () => {
    const device = anAndroidDevice();
    const h = fanOutHarness([device]);
    h.fcm.script(device.fcmToken as string, fcmReject(503, 'UNAVAILABLE', { retryAfterMs: 5000 }));
    const result = await fanOutCall(h.deps, aCallEvent(), {
      queueDelayMs: 0,
      deadlineMs: T0 + 3000,
    } as never);
    expect(result).toMatchObject({ kind: 'done', retryLater: true });
    expect(result.kind === 'done' && result.outcomes[0]).toMatchObject({
      outcome: 'deferred',
      reason: 'retries_exhausted',
    });
  });

  it('sends once and never waits past the ring window when Retry-After is longer than the call rings', async () => {
    const { h, outcome } = await answered(fcmReject(429, 'QUOTA_EXCEEDED', { retryAfterMs: 60_000 }));
    expect(h.fcm.sent).toHaveLength(1);
    expect(h.clock.slept).toEqual([]);
    // Not deferred: a redelivery within the ring window would come before FCM's Retry-After.
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'retries_exhausted', attempts: 1 });
  });

  it('fails without sending when less than a second of the ring window is left at a retry', async () => {
    const { h, outcome } = await answered(fcmReject(503, 'UNAVAILABLE', { retryAfterMs: 28_500 }), fcmOk());
    // The retry would go at 29.5 s: FCM would drop a ttl under a second, and a late ring is worse.
    expect(h.fcm.sent).toHaveLength(1);
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'ring_window_over' });
  });
});

describe('FCM gateway: answers outside the table and transport failures', () => {
  it('fails as Unknown, not retried, when FCM answers a code it never documented', async () => {
    const { h, outcome } = await answered(fcmReject(418, 'SOMETHING_NEW'));
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'Unknown', attempts: 1 });
    expect(h.metrics.sum(MetricName.FcmAuthError)).toBe(0);
  });

  it('fails without refreshing the credential when FCM answers 401 THIRD_PARTY_AUTH_ERROR', async () => {
    const { h, outcome } = await answered(fcmReject(401, 'THIRD_PARTY_AUTH_ERROR'));
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'THIRD_PARTY_AUTH_ERROR', attempts: 1 });
    expect(h.credentials.refreshes).toBe(0);
  });

  it('retries when the request certainly did not reach FCM, and delivers', async () => {
    const { outcome } = await answered(
      { kind: 'transport-error', error: 'goaway', message: 'refused', maybeDelivered: false },
      fcmOk(),
    );
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 2 });
  });

  it('retries a ring FCM may have taken, counted AmbiguousRetry (the app shows one call)', async () => {
    const { h, outcome } = await answered(
      { kind: 'transport-error', error: 'reset', message: 'reset', maybeDelivered: true },
      fcmOk(),
    );
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(h.fcm.sent).toHaveLength(2);
    expect(h.metrics.sum(MetricName.AmbiguousRetry)).toBe(1);
  });

  it('fails ambiguous, not retried, in strict mode when FCM may have taken the ring', async () => {
    const { h, outcome } = await answeredWith(
      { retryAmbiguousPushes: false },
      { kind: 'transport-error', error: 'reset', message: 'reset', maybeDelivered: true },
      fcmOk(),
    );
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'ambiguous_delivery', attempts: 1 });
    expect(h.fcm.sent).toHaveLength(1);
  });

  it('retries when the token endpoint is unavailable and refreshes the credential when it refuses it', async () => {
    const unavailable = await answered({ kind: 'token-error', message: 'down', retryable: true }, fcmOk());
    expect(unavailable.outcome).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(unavailable.h.credentials.refreshes).toBe(0);
    const refused = await answered({
      kind: 'token-error',
      status: 400,
      oauthError: 'invalid_grant',
      message: 'no',
      retryable: false,
    });
    expect(refused.outcome).toMatchObject({ outcome: 'failed', reason: 'oauth_token_refused' });
    expect(refused.h.credentials.refreshes).toBe(1);
    expect(refused.h.metrics.sum(MetricName.FcmAuthError)).toBe(1);
  });

  it('sends nothing to FCM when the provider hands an APNs credential for an Android device', async () => {
    const device = anAndroidDevice();
    const h = fanOutHarness([device]);
    h.credentials.current.set('android:com.example.app', aTokenCredential());
    expect(await ring(h)).toMatchObject({ outcome: 'failed', reason: 'credential_platform_mismatch' });
    expect(h.fcm.sent).toHaveLength(0);
  });
});

describe('FCM gateway over the FCM client and simulator', () => {
  let simulator: FcmSimulator;
  let client: FcmClient;

  beforeAll(async () => {
    simulator = await startFcmSimulator({ controlPort: false });
    client = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem, requestTimeoutMs: 2000 });
  });
  afterEach(() => simulator.reset());
  afterAll(async () => {
    await client.close();
    await simulator.close();
  });

  function over(device: Device) {
    const h = fanOutHarness([device]);
    const credentials = new FakeCredentials([devFcmCredential(simulator.tokenUrl)]);
    const deps = fanOutDeps({ ...h, devices: h.repo, fcm: client, credentials });
    return { ...h, deps, credentials };
  }
  const aDevOf = (seed: number) =>
    anAndroidDevice({ bundleId: DEV_ANDROID_PACKAGE, fcmToken: fcmToken(seed) });

  it('delivers and records the simulator’s message name when FCM takes the message', async () => {
    const device = aDevOf(1);
    const h = over(device);
    const outcome = await ring(h);
    const [recorded] = simulator.messages();
    expect(outcome).toMatchObject({ outcome: 'delivered', apnsId: recorded?.name });
    expect(recorded?.message).toMatchObject({
      token: device.fcmToken,
      android: { priority: 'HIGH', ttl: '29s' },
    });
  });

  it('prunes the token when the simulator answers 404 UNREGISTERED', async () => {
    const device = aDevOf(2);
    simulator.unregisterToken(device.fcmToken as string);
    const h = over(device);
    expect(await ring(h)).toMatchObject({ outcome: 'pruned', reason: 'UNREGISTERED' });
    expect(fcmTokenOf(h, device)).toBeUndefined();
  });

  it('prunes a token the simulator calls not a valid registration token', async () => {
    const device = aDevOf(3);
    const h = over({ ...device, fcmToken: 'not a token!' });
    expect(await ring(h)).toMatchObject({ outcome: 'pruned', reason: 'INVALID_ARGUMENT' });
  });

  it('fails with FcmAuthError when the simulator answers 403 SENDER_ID_MISMATCH', async () => {
    const device = aDevOf(4);
    simulator.assignTokenToProject(device.fcmToken as string, 'another-project');
    const h = over(device);
    expect(await ring(h)).toMatchObject({ outcome: 'failed', reason: 'SENDER_ID_MISMATCH', attempts: 1 });
    expect(h.metrics.sum(MetricName.FcmAuthError)).toBe(1);
    expect(fcmTokenOf(h, device)).toBe(device.fcmToken);
  });

  it('renews the OAuth token once and resends once, without re-reading the secret, when FCM answers 401', async () => {
    const h = over(aDevOf(5));
    await ring(h);
    simulator.reset();
    simulator.expireAccessTokens();
    const outcome = await ring(h, aCallEvent({ callId: 'call-2' }));
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 1 });
    expect(simulator.stats()).toMatchObject({ requests: 2, tokenRequests: 1 });
    expect(simulator.stats().answers).toEqual({ '401 UNAUTHENTICATED': 1, '200 OK': 1 });
    expect(h.credentials.refreshes).toBe(0);
  });

  it('honours the simulator’s Retry-After and then delivers when FCM answers 429 once', async () => {
    simulator.setFaults([{ kind: 'answer', errorCode: 'QUOTA_EXCEEDED', retryAfter: 3, count: 1 }]);
    const h = over(aDevOf(6));
    const outcome = await ring(h);
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(h.clock.slept).toEqual([3000]);
    expect(simulator.stats().answers).toEqual({ '429 QUOTA_EXCEEDED': 1, '200 OK': 1 });
  });
});

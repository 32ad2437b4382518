import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mintDevToken } from '../../local/jwt';
import type { LogRecord } from '../../local/log-lines';
import type { LocalStack } from '../../local/stack';
import { fcmEndpointOverride } from '../../local/stack-wiring';
import { aCallBody } from '../kit/call-events';
import { fcmToken } from '../kit/device-repository-contract';
import { stackSqsClient, startTappedStack } from '../support/local-stack';

/**
 * One call to a user with an iPhone and an Android phone, through the local stack as `npm start` runs
 * it: both simulators accept one push each within the ring window, each phone rings exactly once, and
 * the sender writes one log line per push (its stdout is tapped as `npm start` taps it).
 * The stack knows its apps from the credentials it loads, so a device of any other app gets a 400.
 */
let started: Awaited<ReturnType<typeof startTappedStack>> | undefined;
let stack: LocalStack;
let records: LogRecord[];

beforeAll(async () => {
  started = await startTappedStack({ PHONE_RECEIPT_DELAY_MS: '10' });
  ({ stack, records } = started);
}, 90_000);

afterAll(async () => {
  await started?.stop();
});

async function register(userId: string, deviceId: string, body: Record<string, unknown>) {
  return fetch(`${stack.info.apiUrl}/v1/devices/${deviceId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await mintDevToken(userId)}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function waitFor<T>(read: () => Promise<T> | T, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await read();
  }
  return value;
}

describe('the local stack with an iPhone and an Android phone', () => {
  it('reports the FCM simulator in READY', () => {
    expect(stack.info.fcmEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.fcmControlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('rings both phones of the user once, each through its own provider, when one call is queued', async () => {
    const voipToken = 'c4'.repeat(32);
    const androidToken = fcmToken(7);
    const ios = await register('mixed-user', 'mixed-iphone', {
      bundleId: 'com.example.voip',
      environment: 'sandbox',
      voipToken,
    });
    const android = await register('mixed-user', 'mixed-pixel', {
      platform: 'android',
      bundleId: 'com.example.voip',
      fcmToken: androidToken,
    });
    expect([ios.status, android.status]).toEqual([200, 200]);

    const sqs = stackSqsClient(stack.info);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.info.queueUrl,
        MessageBody: aCallBody({
          callId: 'c-mixed-1',
          recipients: ['mixed-user'],
          createdAt: new Date().toISOString(),
          ringTimeoutSeconds: 30,
        }),
      }),
    );
    sqs.destroy();

    const phones = stack.phones;
    if (!phones) throw new Error('the stack started no phones');
    const rung = await waitFor(
      () => [phones.rings('c-mixed-1', voipToken), phones.rings('c-mixed-1', androidToken)],
      ([a, b]) => a === 1 && b === 1,
    );
    expect(rung).toEqual([1, 1]);

    const apns = (await (await fetch(`${stack.apnsControlUrl}/pushes?token=${voipToken}`)).json()) as {
      pushes: Array<{ payload: { callId?: string } }>;
    };
    expect(apns.pushes.map((push) => push.payload.callId)).toEqual(['c-mixed-1']);
    const fcm = (await (
      await fetch(`${stack.fcmControlUrl}/messages?token=${encodeURIComponent(androidToken)}`)
    ).json()) as {
      messages: Array<{ message: { android?: { priority?: string }; data?: Record<string, string> } }>;
    };
    expect(fcm.messages).toHaveLength(1);
    expect(fcm.messages[0]?.message.android?.priority).toBe('HIGH');
    expect(fcm.messages[0]?.message.data).toMatchObject({ type: 'incoming_call', callId: 'c-mixed-1' });

    const attempts = records.filter((r) => r.message === 'push attempt' && r.callId === 'c-mixed-1');
    expect(attempts.map((r) => [r.platform, r.deviceId, r.outcome]).sort()).toEqual([
      ['android', 'mixed-pixel', 'delivered'],
      ['ios', 'mixed-iphone', 'delivered'],
    ]);
    expect(attempts.find((r) => r.platform === 'android')?.messageId).toMatch(/^projects\/.+\/messages\/.+/);
    expect(JSON.stringify(records)).not.toContain(androidToken);
    expect(JSON.stringify(records)).not.toContain(voipToken);

    // Each phone confirms its ring; the Android receipt carries no apnsId.
    const receipts = await waitFor(
      () => phones.receipts.filter((r) => r.callId === 'c-mixed-1' && r.stage === 'received'),
      (list) => list.length === 2,
    );
    expect(receipts.map((r) => [r.deviceId, r.statusCode]).sort()).toEqual([
      ['mixed-iphone', 200],
      ['mixed-pixel', 200],
    ]);
  }, 60_000);

  it('answers 400 naming bundleId for an app it holds no credential for, on either platform', async () => {
    const ios = await register('mixed-user', 'other-iphone', {
      bundleId: 'com.unknown.app',
      environment: 'sandbox',
      voipToken: 'd5'.repeat(32),
    });
    const android = await register('mixed-user', 'other-pixel', {
      platform: 'android',
      bundleId: 'com.unknown.app',
      fcmToken: fcmToken(8),
    });
    for (const res of [ios, android]) {
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain('bundleId');
    }
    const list = (await (
      await fetch(`${stack.info.apiUrl}/v1/devices`, {
        headers: { authorization: `Bearer ${await mintDevToken('mixed-user')}` },
      })
    ).json()) as { devices: Array<{ deviceId: string }> };
    expect(list.devices.map((d) => d.deviceId)).not.toContain('other-iphone');
    expect(list.devices.map((d) => d.deviceId)).not.toContain('other-pixel');
  });

  it('sends to Google or to the given URL instead of the simulator when FCM_ENDPOINT is set', () => {
    expect(fcmEndpointOverride({ FCM_ENDPOINT: 'production' })).toBe('https://fcm.googleapis.com');
    expect(fcmEndpointOverride({ FCM_ENDPOINT: 'https://127.0.0.1:9443/' })).toBe('https://127.0.0.1:9443');
    expect(fcmEndpointOverride({})).toBeUndefined();
    expect(() => fcmEndpointOverride({ FCM_ENDPOINT: 'nope' })).toThrow(/FCM_ENDPOINT/);
  });
});

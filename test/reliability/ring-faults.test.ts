import { afterEach, describe, expect, it } from '@jest/globals';
import type { Fault } from '../../local/apns-simulator/simulator';
import type { Fault as FcmFault } from '../../local/fcm-simulator/simulator';
import { phonesFor } from '../../local/phone-app';
import { checkRings, type RingReport } from '../support/conservation';
import { type HarnessOptions, type SeedPlatform, SenderHarness } from './sender-harness';

/**
 * APNs and FCM faults counted where the user hears them: every case runs 10 calls × 6 devices through
 * the real sender and reads the pushes APNs and FCM accepted as the sample apps would
 * (local/phone-app.ts). The check is the ring invariant, not a retry policy: each device rings exactly
 * once or ends with a recorded reason, and a repeated push never rings twice. Every case runs with
 * RETRY_AMBIGUOUS_PUSHES off and on, over iPhones and over Android phones.
 */
let harness: SenderHarness | undefined;

afterEach(async () => {
  expect(harness?.secretFindings() ?? []).toEqual([]);
  await harness?.close();
  harness = undefined;
});

const USERS = ['u-a', 'u-b', 'u-c', 'u-d'];
const DEVICES = 60;
const fast = { requestTimeoutMs: 300, connectTimeoutMs: 500 };

/** The faults of one run, per simulator. */
interface Faults {
  readonly apns?: readonly Fault[];
  readonly fcm?: readonly FcmFault[];
}

async function ringsUnder(
  options: Omit<HarnessOptions, 'name'> & { name: string },
  faults: Faults,
  copies = 1,
  platforms: SeedPlatform = 'ios',
): Promise<RingReport> {
  const h = await SenderHarness.start(options);
  harness = h;
  await h.seedDevices(USERS, 3, platforms);
  const bodies = Array.from({ length: 10 }, (_, i) =>
    JSON.stringify(h.callEvent([USERS[i % 4] as string, USERS[(i + 1) % 4] as string])),
  );
  h.simulator.setFaults(faults.apns ?? []);
  h.fcmSimulator.setFaults(faults.fcm ?? []);
  // Copies of one event: what an at-least-once queue or a producer retry delivers.
  await h.publish(bodies.flatMap((body) => Array.from({ length: copies }, () => body)));
  h.capture.start();
  try {
    await h.drain(20_000);
  } finally {
    h.capture.stop();
  }
  // The faults did happen: a case whose fault never fired would pass without testing anything. A slow
  // answer is no simulator fault; the sender's timed-out attempts (logged maybeDelivered) show it.
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
  const fired =
    sum(h.simulator.stats().faults) +
    sum(h.fcmSimulator.stats().faults) +
    h.capture.jsonLines().filter((l) => l.message === 'push attempt' && l.maybeDelivered === true).length;
  expect(fired > 0).toBe((faults.apns?.length ?? 0) + (faults.fcm?.length ?? 0) > 0);
  return checkRings({
    calls: h.calls,
    phones: phonesFor({ apns: h.simulator.pushes(), fcm: h.fcmSimulator.messages() }).records(),
    logs: h.capture.jsonLines(),
    deadLetters: await h.deadLetters(),
  });
}

const outcomes = (report: RingReport) => Object.values(report.counts).reduce((a, b) => a + b, 0);

const cases: ReadonlyArray<{ name: string; faults: Faults; client?: typeof fast }> = [
  { name: 'stream resets', faults: { apns: [{ kind: 'reset', after: 5, rate: 0.2 }] } },
  { name: 'dropped connections', faults: { apns: [{ kind: 'drop-connection', after: 10, count: 2 }] } },
  {
    name: 'GOAWAY mid fan-out',
    faults: { apns: [{ kind: 'goaway', reason: 'Shutdown', after: 20, count: 1 }] },
  },
  {
    name: 'answers timing out after APNs took the push',
    faults: { apns: [{ kind: 'latency', ms: 800, after: 10, count: 5 }] },
    client: fast,
  },
  {
    name: 'a 429 and 5xx storm',
    faults: {
      apns: [
        { kind: 'answer', status: 429, reason: 'TooManyRequests', after: 5, count: 20 },
        { kind: 'answer', status: 500, reason: 'InternalServerError', rate: 0.2, count: 15 },
      ],
    },
  },
];

const androidCases: ReadonlyArray<{ name: string; faults: Faults; client?: typeof fast }> = [
  { name: 'stream resets', faults: { fcm: [{ kind: 'reset', after: 5, rate: 0.2 }] } },
  {
    name: 'connections dropped before FCM took the message',
    faults: { fcm: [{ kind: 'drop-connection', after: 10, count: 2 }] },
  },
  {
    name: 'connections dropped after FCM took the message',
    faults: { fcm: [{ kind: 'drop-connection', when: 'after-accept', after: 10, count: 2 }] },
  },
  { name: 'GOAWAY mid fan-out', faults: { fcm: [{ kind: 'goaway', after: 20, count: 1 }] } },
  {
    name: 'answers timing out after FCM took the message',
    faults: { fcm: [{ kind: 'latency', ms: 800, after: 10, count: 5 }] },
    client: fast,
  },
  {
    name: 'a 429 and 5xx storm',
    faults: {
      fcm: [
        { kind: 'answer', errorCode: 'QUOTA_EXCEEDED', retryAfter: 0, after: 5, count: 20 },
        { kind: 'answer', errorCode: 'UNAVAILABLE', rate: 0.2, count: 15 },
      ],
    },
  },
];

describe('rings at the phone under APNs faults', () => {
  for (const retry of [false, true])
    for (const fault of cases)
      it(`rings each device once or records why not when ${fault.name} (retry ambiguous ${retry})`, async () => {
        const report = await ringsUnder(
          {
            name: `rings-${retry}`,
            retryAmbiguousPushes: retry,
            ...(fault.client ? { apns: fault.client } : {}),
          },
          fault.faults,
        );
        expect(report.violations).toEqual([]);
        expect(outcomes(report)).toBe(DEVICES);
        expect(report.counts.rang).toBeGreaterThan(0);
      });

  it('rings each device once when every call event is delivered twice', async () => {
    const report = await ringsUnder({ name: 'rings-redelivered' }, {}, 2);
    expect(report.violations).toEqual([]);
    expect(report.counts).toEqual({ rang: DEVICES, expired: 0, pruned: 0, failed: 0, 'dead-lettered': 0 });
  });
});

describe('rings at the phone under FCM faults', () => {
  for (const retry of [false, true])
    for (const fault of androidCases)
      it(`rings each Android phone once or records why not when ${fault.name} (retry ambiguous ${retry})`, async () => {
        const report = await ringsUnder(
          {
            name: `rings-android-${retry}`,
            retryAmbiguousPushes: retry,
            ...(fault.client ? { fcm: fault.client } : {}),
          },
          fault.faults,
          1,
          'android',
        );
        expect(report.violations).toEqual([]);
        expect(outcomes(report)).toBe(DEVICES);
        expect(report.counts.rang).toBeGreaterThan(0);
      });

  it('rings each iPhone and Android phone once when every call event is delivered twice and both providers drop connections', async () => {
    const report = await ringsUnder(
      { name: 'rings-mixed-redelivered', retryAmbiguousPushes: true },
      {
        apns: [{ kind: 'drop-connection', after: 5, count: 1 }],
        fcm: [{ kind: 'drop-connection', when: 'after-accept', after: 5, count: 1 }],
      },
      2,
      'alternate',
    );
    expect(report.violations).toEqual([]);
    expect(outcomes(report)).toBe(DEVICES);
    expect(report.counts.rang).toBe(DEVICES);
  });
});

import { afterEach, describe, expect, it } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import { eventSourceOf, toSqsRecord } from '../../local/lambda-runtime';
import { phonesFor } from '../../local/phone-app';
import type { ApnsOutcome, ApnsTransport } from '../../shared/adapters/apns/apns-transport';
import { aLambdaContext } from '../kit/lambda';
import { checkRings, type RingReport } from '../support/conservation';
import { SenderHarness } from './sender-harness';
import { pollOnce, receive } from './sqs-poller';

/**
 * At-least-once delivery from SQS meets one ring per device: a sender killed mid-batch, the same message
 * twice, and the same record handled by two senders at once. By default the delivery record skips
 * devices already accepted and the phone shows one call per callId; in strict mode
 * (retryAmbiguousPushes off) the delivery store's leases keep every device to one accepted push.
 */
let harness: SenderHarness | undefined;
afterEach(async () => {
  // No raw device token, key material or JWT in anything the sender logged during the test.
  expect(harness?.secretFindings() ?? []).toEqual([]);
  await harness?.close();
  harness = undefined;
});

const USERS = ['r-a', 'r-b', 'r-c', 'r-d'];
const LEASE_MS = 1500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits (at most `maxMs`) until `done()` holds; a busy CI machine gets time, the loop stays bounded. */
async function until(done: () => boolean, maxMs = 5000): Promise<void> {
  for (const stopAt = Date.now() + maxMs; !done() && Date.now() < stopAt; ) await sleep(20);
}

async function start(name: string, leaseMs = LEASE_MS, strict = false): Promise<SenderHarness> {
  harness = await SenderHarness.start({
    name,
    visibilityTimeoutSeconds: 1,
    fanOut: { leaseMs },
    retryAmbiguousPushes: !strict,
  });
  await harness.seedDevices(USERS, 3);
  return harness;
}

/**
 * Publishes a one-recipient call to a sender that dies once APNs accepted its first push (before the
 * record is written); resolves, after the visibility timeout, with the pushes APNs got by then.
 */
async function crashAfterFirstAccept(h: SenderHarness): Promise<number> {
  await h.publish([JSON.stringify(h.callEvent(['r-a']))]);
  let accepted = 0;
  const doomed = h.newSender({
    apns: (client) =>
      dying(client, (outcome) => {
        if (outcome?.kind === 'accepted') accepted++;
        return accepted > 0;
      }),
  });
  void pollOnce({ sqs: h.sqs, queueUrl: h.queueUrl, handler: doomed.handler, timeoutMs: 10_000 });
  await until(() => accepted > 0);
  await sleep(1100);
  const atCrash = h.simulator.pushes().length;
  expect(atCrash).toBeGreaterThanOrEqual(1);
  return atCrash;
}

/** Rings counted at the phones (local/phone-app.ts), which show one call per callId. */
async function rings(h: SenderHarness): Promise<RingReport> {
  return checkRings({
    calls: h.calls,
    phones: phonesFor({ apns: h.simulator.pushes(), fcm: h.fcmSimulator.messages() }).records(),
    logs: h.capture.jsonLines(),
    deadLetters: await h.deadLetters(),
  });
}

/** An APNs port that "dies" with the process: once `shouldDie()` holds, calls never come back. */
function dying(client: ApnsTransport, shouldDie: (outcome?: ApnsOutcome) => boolean): ApnsTransport {
  const never = new Promise<ApnsOutcome>(() => undefined);
  return {
    send: async (credential, request) => {
      if (shouldDie()) return never;
      const outcome = await client.send(credential, request);
      return shouldDie(outcome) ? never : outcome;
    },
    certificateDaysLeft: (c, now) => client.certificateDaysLeft(c, now),
    close: () => client.close(),
  };
}

describe('sender redelivery: every device rings once', () => {
  it('rings every device once when the sender is killed mid-batch and a fresh one takes the redelivery', async () => {
    const h = await start('killed-mid-batch');
    await h.publish(
      Array.from({ length: 5 }, (_, i) =>
        JSON.stringify(h.callEvent([USERS[i % 4] as string, USERS[(i + 1) % 4] as string])),
      ),
    );
    // The first sender gets 10 pushes to APNs (answered and recorded), then hangs forever on the rest.
    let started = 0;
    let answered = 0;
    const doomed = h.newSender({
      apns: (client) =>
        dying(client, (outcome) => {
          if (outcome) {
            answered++;
            return false;
          }
          if (started >= 10) return true;
          started++;
          return false;
        }),
    });
    h.capture.start();
    try {
      // The invocation never ends: abandoned like a killed process; SQS redelivers after the visibility timeout.
      void pollOnce({ sqs: h.sqs, queueUrl: h.queueUrl, handler: doomed.handler, timeoutMs: 10_000 });
      await until(() => answered >= 10);
      await sleep(200);
      const before = h.simulator.pushes().length;
      expect(before).toBe(10);
      await h.drain(15_000);
    } finally {
      h.capture.stop();
    }
    const report = await h.conservation();
    expect(report.violations).toEqual([]);
    expect(report.counts.delivered).toBe(30);
    expect(h.simulator.pushes()).toHaveLength(30);
  });

  it('pushes again at once, and the phone rings once, when the sender died after APNs accepted but before recording', async () => {
    const h = await start('died-before-record-default');
    h.capture.start();
    try {
      const atCrash = await crashAfterFirstAccept(h);
      // The first redelivery (visibility timeout 1 s) pushes every device again: no lease to wait out.
      const next = h.newSender();
      await pollOnce({ sqs: h.sqs, queueUrl: h.queueUrl, handler: next.handler, timeoutMs: 10_000 });
      expect(h.simulator.pushes()).toHaveLength(3 + atCrash);
      await h.drain(15_000);
    } finally {
      h.capture.stop();
    }
    const report = await rings(h);
    expect(report.violations).toEqual([]);
    expect(report.counts.rang).toBe(3);
    expect(report.repeats).toBeGreaterThanOrEqual(1);
  });

  it('rings again only after the lease ran out, in strict mode, when the sender died after APNs accepted but before recording', async () => {
    // The documented window (docs/reliability.md): the crash falls between APNs' 200 and the record.
    const lease = 3000;
    const h = await start('died-before-record', lease, true);
    h.capture.start();
    try {
      const atCrash = await crashAfterFirstAccept(h);
      // Redelivered while the dead sender's leases still hold: nothing more is sent for those devices.
      const early = h.newSender();
      await pollOnce({ sqs: h.sqs, queueUrl: h.queueUrl, handler: early.handler, timeoutMs: 10_000 });
      const ringsWithinLease = h.simulator.pushes().length;
      await h.drain(15_000);
      const report = await h.conservation();
      const pushes = h.simulator.pushes();
      const byToken = new Map<string, number[]>();
      for (const p of pushes) byToken.set(p.token, [...(byToken.get(p.token) ?? []), p.receivedAt]);
      const repeated = [...byToken.values()].filter((times) => times.length > 1);
      expect(ringsWithinLease).toBe(atCrash);
      expect(repeated).toHaveLength(atCrash);
      expect(pushes).toHaveLength(3 + atCrash);
      for (const times of repeated) {
        expect(times).toHaveLength(2);
        expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(lease - 50);
      }
      expect(report.violations.every((v) => v.includes('rang twice') || v.includes('no log line'))).toBe(
        true,
      );
      expect(report.counts.delivered).toBe(3);
    } finally {
      h.capture.stop();
    }
  });

  it('rings every device once when the same event is published twice and lands in one batch', async () => {
    const h = await start('duplicate-message');
    const bodies = Array.from({ length: 4 }, (_, i) => JSON.stringify(h.callEvent([USERS[i] as string])));
    await h.publish([...bodies, ...bodies]);
    h.capture.start();
    try {
      await h.drain(15_000);
    } finally {
      h.capture.stop();
    }
    const report = await h.conservation();
    expect(report.violations).toEqual([]);
    expect(report.counts.delivered).toBe(12);
    expect(h.simulator.pushes()).toHaveLength(12);
  });

  it('rings every device once at the phone when two senders handle the same record at the same time', async () => {
    const h = await start('concurrent-record-default');
    await twoSendersOneBatch(h);
    const report = await rings(h);
    expect(report.violations).toEqual([]);
    expect(report.counts.rang).toBe(18);
    // Without a lease both may push a device; never more than both, and the phone shows it once.
    expect(h.simulator.pushes().length).toBeGreaterThanOrEqual(18);
    expect(h.simulator.pushes().length).toBeLessThanOrEqual(36);
  });

  it('pushes every device once, in strict mode, when two senders handle the same record at the same time', async () => {
    const h = await start('concurrent-record', LEASE_MS, true);
    await twoSendersOneBatch(h);
    const report = await h.conservation();
    expect(report.violations).toEqual([]);
    expect(report.counts.delivered).toBe(18);
    expect(h.simulator.pushes()).toHaveLength(18);
  });
});

/** Three events (two recipients each) handed to two senders at once, then redelivered until done. */
async function twoSendersOneBatch(h: SenderHarness): Promise<void> {
  await h.publish(
    Array.from({ length: 3 }, (_, i) =>
      JSON.stringify(h.callEvent([USERS[i] as string, USERS[i + 1] as string])),
    ),
  );
  const records: SQSRecord[] = (await receive(h.sqs, h.queueUrl, 10)).map((m) =>
    toSqsRecord(m, eventSourceOf(h.queueUrl)),
  );
  expect(records).toHaveLength(3);
  h.capture.start();
  try {
    const [a, b] = [h.newSender(), h.newSender()];
    const results = await Promise.all([
      a.handler({ Records: records }, aLambdaContext()),
      b.handler({ Records: records }, aLambdaContext()),
    ]);
    // What either invocation left for a redelivery is handed to a third sender, as SQS would.
    let pending = new Set(results.flatMap((r) => r.batchItemFailures.map((f) => f.itemIdentifier)));
    for (let round = 0; round < 10 && pending.size > 0; round++) {
      const again = await h
        .newSender()
        .handler({ Records: records.filter((r) => pending.has(r.messageId)) }, aLambdaContext());
      pending = new Set(again.batchItemFailures.map((f) => f.itemIdentifier));
      if (pending.size > 0) await sleep(200);
    }
    expect(pending.size).toBe(0);
  } finally {
    h.capture.stop();
  }
}

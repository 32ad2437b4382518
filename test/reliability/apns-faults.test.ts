import { constants } from 'node:http2';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Fault } from '../../local/apns-simulator/simulator';
import type { ApnsClientOptions } from '../../shared/adapters/apns/apns-client';
import { type HarnessOptions, SenderHarness } from './sender-harness';

/**
 * APNs misbehaving while calls fan out: every case runs 10 calls × 6 devices through the real sender
 * (queue → handler → APNs simulator) and checks the conservation invariant: each device of each call gets
 * exactly one terminal outcome and APNs accepts at most one push per device per call, or, where the
 * outcome was ambiguous (APNs may have taken it) and the sender retried it as it does by default, a repeat
 * only after an attempt logged `maybeDelivered`. Strict mode (RETRY_AMBIGUOUS_PUSHES=false) ends such a
 * push `failed` / `ambiguous_delivery`.
 */
let harness: SenderHarness | undefined;

afterEach(async () => {
  // No raw device token, key material or JWT in anything the sender logged during the test.
  expect(harness?.secretFindings() ?? []).toEqual([]);
  await harness?.close();
  harness = undefined;
});

const USERS = ['u-a', 'u-b', 'u-c', 'u-d'];

async function runCalls(
  options: Omit<HarnessOptions, 'name'> & { name: string },
  faults: readonly Fault[],
  calls = 10,
): Promise<SenderHarness> {
  const h = await SenderHarness.start(options);
  harness = h;
  await h.seedDevices(USERS, 3);
  const bodies = Array.from({ length: calls }, (_, i) =>
    JSON.stringify(h.callEvent([USERS[i % 4] as string, USERS[(i + 1) % 4] as string])),
  );
  h.simulator.setFaults(faults);
  await h.publish(bodies);
  h.capture.start();
  try {
    await h.drain(20_000);
  } finally {
    h.capture.stop();
  }
  return h;
}

/**
 * Every device delivered once; `ambiguous` bounds the repeats that follow an attempt logged maybeDelivered
 * (only with RETRY_AMBIGUOUS_PUSHES: otherwise the conservation check reports any repeat as a violation).
 */
async function expectAllDelivered(h: SenderHarness, devices = 60, ambiguous = 0): Promise<string[]> {
  const report = await h.conservation();
  expect(report.violations).toEqual([]);
  expect(report.counts).toEqual({ delivered: devices, expired: 0, pruned: 0, failed: 0, 'dead-lettered': 0 });
  expect(report.ambiguousRepeats.length).toBeLessThanOrEqual(ambiguous);
  expect(h.simulator.pushes()).toHaveLength(devices + report.ambiguousRepeats.length);
  return report.ambiguousRepeats;
}

/**
 * The default (no retry of ambiguous pushes) under a fault that makes outcomes ambiguous: every device ends
 * delivered or failed `ambiguous_delivery`, APNs accepted at most one push per device, and no attempt
 * logged `maybeDelivered` was followed by another for its device (it is the device's terminal line).
 */
async function expectAtMostOnce(h: SenderHarness, devices = 60) {
  const report = await h.conservation();
  expect(report.violations).toEqual([]);
  expect(report.ambiguousRepeats).toEqual([]);
  expect(report.devices.filter((d) => d.accepted > 1)).toEqual([]);
  const label = (d: (typeof report.devices)[number]) =>
    d.outcomes.map((o) => (o.reason ? `${o.kind}:${o.reason}` : o.kind)).join(',');
  const failed = report.devices.filter((d) => label(d) === 'failed:ambiguous_delivery');
  expect(report.devices.filter((d) => label(d) !== 'delivered' && !failed.includes(d)).map(label)).toEqual(
    [],
  );
  expect(report.counts).toEqual({
    delivered: devices - failed.length,
    expired: 0,
    pruned: 0,
    failed: failed.length,
    'dead-lettered': 0,
  });
  const ambiguousLines = h.capture
    .jsonLines()
    .filter((l) => l.message === 'push attempt' && l.maybeDelivered === true);
  expect(ambiguousLines.map((l) => `${l.outcome}:${l.reason}`)).toEqual(
    failed.map(() => 'failed:ambiguous_delivery'),
  );
  expect(failed.every((d) => d.ambiguous === 1)).toBe(true);
  return { delivered: devices - failed.length, failed, report };
}

const fastTimeouts: Omit<ApnsClientOptions, 'endpoint' | 'ca'> = {
  requestTimeoutMs: 300,
  connectTimeoutMs: 500,
};

describe('sender under APNs faults: conservation', () => {
  it('rings every device exactly once when APNs answers 503 to 20% of requests', async () => {
    const h = await runCalls({ name: 'apns-503' }, [
      { kind: 'answer', status: 503, reason: 'ServiceUnavailable', rate: 0.2 },
    ]);
    await expectAllDelivered(h);
    expect(h.simulator.stats().faults.answer).toBeGreaterThan(0);
  });

  it('gives expired calls, oversize events and valid calls one outcome each when APNs answers 503 to 20% of requests', async () => {
    const h = await SenderHarness.start({ name: 'apns-mixed' });
    harness = h;
    await h.seedDevices(USERS, 3);
    const valid = [0, 1, 2].map((i) =>
      JSON.stringify(h.callEvent([USERS[i] as string, USERS[i + 1] as string])),
    );
    const over = JSON.stringify(
      h.callEvent(['u-a', 'u-b'], { createdAt: new Date(Date.now() - 70_000).toISOString() }),
    );
    const oversize = JSON.stringify(h.callEvent(['u-c'], { data: { pad: 'x'.repeat(6000) } }));
    h.simulator.setFaults([{ kind: 'answer', status: 503, reason: 'ServiceUnavailable', rate: 0.2 }]);
    await h.publish([...valid, over, oversize]);
    h.capture.start();
    try {
      await h.drain(20_000);
    } finally {
      h.capture.stop();
    }
    const report = await h.conservation();
    expect(report.violations).toEqual([]);
    expect(report.counts).toEqual({ delivered: 18, expired: 6, pruned: 0, failed: 0, 'dead-lettered': 3 });
    expect(h.simulator.pushes()).toHaveLength(18);
  });

  it('rings every device exactly once when APNs answers bursts of 429 TooManyRequests', async () => {
    const h = await runCalls({ name: 'apns-429' }, [
      { kind: 'answer', status: 429, reason: 'TooManyRequests', after: 5, count: 25 },
      { kind: 'answer', status: 429, reason: 'TooManyRequests', after: 60, count: 15 },
    ]);
    await expectAllDelivered(h);
    expect(h.simulator.stats().answers['429 TooManyRequests']).toBeGreaterThanOrEqual(25);
  });

  it('rings every device exactly once when APNs sends GOAWAY in the middle of a batch', async () => {
    const h = await runCalls({ name: 'apns-goaway', simulator: { latencyMs: 5 } }, [
      { kind: 'goaway', after: 20, count: 1, reason: 'Shutdown' },
    ]);
    await expectAllDelivered(h);
    expect(h.simulator.stats().faults.goaway).toBe(1);
    expect(h.simulator.stats().connections).toBeGreaterThanOrEqual(2);
  });

  it('rings every device exactly once when APNs refuses streams (REFUSED_STREAM) before taking them', async () => {
    const h = await runCalls({ name: 'apns-reset' }, [
      { kind: 'reset', after: 10, count: 6, errorCode: constants.NGHTTP2_REFUSED_STREAM },
    ]);
    await expectAllDelivered(h);
    expect(h.simulator.stats().faults.reset).toBe(6);
  });

  it('accepts at most one push per device and ends the in-flight ones failed ambiguous_delivery when the connection drops with streams in flight in strict mode', async () => {
    // APNs took the in-flight pushes but the answers died with the connection: ambiguous outcomes. In
    // strict mode they end failed; requests not yet sent go to a new connection.
    const h = await runCalls(
      { name: 'apns-drop', simulator: { latencyMs: 10 }, retryAmbiguousPushes: false },
      [{ kind: 'drop-connection', after: 15, count: 1 }],
    );
    const { delivered, failed } = await expectAtMostOnce(h);
    expect(h.simulator.stats().faults['drop-connection']).toBe(1);
    expect(failed.length).toBeGreaterThan(0);
    expect(h.simulator.pushes()).toHaveLength(delivered + failed.filter((d) => d.accepted === 1).length);
  });

  it('delivers every device and repeats only pushes logged maybeDelivered when the connection drops (the default)', async () => {
    // A possible second push over a possible miss: the app de-duplicates by callId.
    const h = await runCalls(
      { name: 'apns-drop-retry', simulator: { latencyMs: 10 }, retryAmbiguousPushes: true },
      [{ kind: 'drop-connection', after: 15, count: 1 }],
    );
    const repeats = await expectAllDelivered(h, 60, 60);
    expect(h.simulator.stats().faults['drop-connection']).toBe(1);
    const ambiguousLines = h.capture.jsonLines().filter((l) => l.maybeDelivered === true);
    expect(ambiguousLines.length).toBeGreaterThanOrEqual(repeats.length);
    expect(ambiguousLines.every((l) => l.outcome === 'retry')).toBe(true);
  });

  it('sends nothing more to the devices whose answers hang past the request timeout and ends them failed ambiguous_delivery in strict mode', async () => {
    const h = await runCalls({ name: 'apns-hang', apns: fastTimeouts, retryAmbiguousPushes: false }, [
      { kind: 'hang', after: 10, count: 5 },
    ]);
    const { failed } = await expectAtMostOnce(h);
    expect(failed).toHaveLength(5);
    expect(h.simulator.stats().faults.hang).toBe(5);
    expect(h.simulator.pushes()).toHaveLength(55);
  });

  it('accepts at most one push per device and ends the late ones failed ambiguous_delivery when answers come after the timeout in strict mode', async () => {
    // APNs took these pushes, but answered after the request timed out: strict mode sends no second one.
    const h = await runCalls({ name: 'apns-late', apns: fastTimeouts, retryAmbiguousPushes: false }, [
      { kind: 'latency', ms: 450, after: 10, count: 3 },
    ]);
    // The sender is done at its 300 ms timeout; APNs records the late pushes at 450 ms.
    for (const stopAt = Date.now() + 5000; h.simulator.pushes().length < 60 && Date.now() < stopAt; )
      await new Promise((resolve) => setTimeout(resolve, 20));
    const { failed } = await expectAtMostOnce(h);
    expect(failed).toHaveLength(3);
    expect(failed.every((d) => d.accepted === 1)).toBe(true);
    expect(h.simulator.pushes()).toHaveLength(60);
  });

  it('rings every device exactly once when the TLS handshake fails on the first connections', async () => {
    const h = await runCalls({ name: 'apns-tls', apns: fastTimeouts }, [{ kind: 'tls-failure', count: 2 }]);
    await expectAllDelivered(h);
    expect(h.simulator.stats().faults['tls-failure']).toBe(2);
  });

  it('renews the provider token and rings every device once when APNs answers ExpiredProviderToken', async () => {
    // The simulator expires tokens after 2 s (APNs: 1 h) and the client may renew after 1 s (APNs: 20 min).
    const h = await SenderHarness.start({
      name: 'apns-expired-token',
      simulator: { tokenMaxAgeMs: 2000, tokenMinUpdateIntervalMs: 1000 },
      apns: { providerToken: { refreshAfterMs: 3_600_000, minIntervalMs: 1000, hardMaxAgeMs: 1500 } },
    });
    harness = h;
    await h.seedDevices(USERS, 3);
    const sender = h.newSender();
    const call = (i: number) =>
      JSON.stringify(h.callEvent([USERS[i % 4] as string, USERS[(i + 1) % 4] as string]));
    h.capture.start();
    try {
      await h.publish([0, 1, 2, 3].map(call));
      await h.drain(5000, sender);
      await new Promise((resolve) => setTimeout(resolve, 3100));
      await h.publish([4, 5, 6, 7, 8, 9].map(call));
      await h.drain(10_000, sender);
    } finally {
      h.capture.stop();
    }
    const report = await h.conservation();
    expect(report.violations).toEqual([]);
    expect(report.counts.delivered).toBe(60);
    expect(h.simulator.stats().answers['403 ExpiredProviderToken']).toBeGreaterThanOrEqual(1);
    expect(h.simulator.stats().answers['429 TooManyProviderTokenUpdates']).toBeUndefined();
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/services/dynamodb-local';
import { freePort } from '../../local/services/free-port';
import { SenderHarness } from './sender-harness';

/**
 * DynamoDB (devices and delivery leases) goes away in the middle of a run and comes back with its data:
 * a private DynamoDB Local is stopped and restarted on the same port and data dir while the sender drains.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'voip-push-ddb-'));
let dynamo: DynamoDbLocal | undefined;
let harness: SenderHarness | undefined;

afterAll(async () => {
  await harness?.close();
  await dynamo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const USERS = ['x-a', 'x-b', 'x-c', 'x-d'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sender while DynamoDB restarts', () => {
  it('loses no call and repeats only pushes whose record write failed when DynamoDB Local is stopped and restarted mid-run', async () => {
    const port = await freePort();
    dynamo = await startDynamoDbLocal({ port, dataDir });
    const h = await SenderHarness.start({
      name: 'dynamodb-restart',
      dynamodbEndpoint: dynamo.endpoint,
      visibilityTimeoutSeconds: 1,
      maxReceiveCount: 50,
      fanOut: { leaseMs: 1500 },
      // Each answer takes 20 ms so the outage falls inside the run.
      simulator: { latencyMs: 20 },
    });
    harness = h;
    await h.seedDevices(USERS, 3);
    const bodies = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify(h.callEvent([USERS[i % 4] as string, USERS[(i + 1) % 4] as string])),
    );
    await h.publish(bodies);
    h.capture.start();
    let outageAt = 0;
    try {
      const sender = h.newSender();
      const run = h.drain(45_000, sender);
      for (let i = 0; i < 200 && h.simulator.pushes().length < 20; i++) await sleep(10);
      outageAt = h.simulator.pushes().length;
      await dynamo.stop();
      await sleep(1000);
      dynamo = await startDynamoDbLocal({ port, dataDir });
      await run;
    } finally {
      h.capture.stop();
    }
    expect(outageAt).toBeLessThan(180);
    const lines = h.capture.jsonLines();
    const report = await h.conservation();
    // KNOWN DEFECT (docs/reliability.md, "DynamoDB unavailable"): when the record write after APNs' 200
    // fails, the lease stays `sending`; once it runs out a redelivery claims the device and rings it
    // again. Those repeats, and only those, are tolerated here until the sender retries that write.
    const unrecorded = new Set(
      lines
        .filter((l) => l.message === 'delivery record not written')
        .map((l) => `${String(l.callId)}/${String(l.deviceId)}`),
    );
    const unexplained = report.violations.filter((v) => !unrecorded.has(v.split(':')[0] as string));
    expect({ unexplained, ambiguous: report.ambiguousRepeats }).toEqual({ unexplained: [], ambiguous: [] });
    const repeated = report.devices.filter((d) => d.accepted > 1);
    expect(repeated.every((d) => d.accepted === 2)).toBe(true);
    expect(report.counts.delivered).toBe(180);
    expect(report.devices.every((d) => d.accepted >= 1)).toBe(true);
    // The outage was seen by the sender, not skipped over.
    expect(lines.some((l) => l.level === 'ERROR')).toBe(true);
    expect(h.secretFindings()).toEqual([]);
  }, 58_000);
});

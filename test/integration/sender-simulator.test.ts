import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createSenderHandler } from '../../functions/sender/create-handler';
import { DEV_BUNDLE_ID, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { type ApnsSimulator, startApnsSimulator } from '../../local/apns-simulator/simulator';
import { type Poller, startPoller } from '../../local/poller';
import { ApnsClient } from '../../shared/adapters/apns/apns-client';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamodb/delivery-store';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { FileCredentialProvider } from '../../shared/adapters/file-credential-provider';
import { MetricName } from '../../shared/platform/metric-names';
import { systemClock } from '../../shared/use-cases/fan-out-deps';

import { MemoryLogSink, MemoryMetricsSink } from '../fakes/memory-telemetry';
import { aCallBody } from '../kit/call-events';
import { fanOutDeps } from '../kit/sender-deps';
import {
  createTestQueues,
  createTestTables,
  testDocumentClient,
  testDynamoClient,
  testSqsClient,
} from '../support/local-aws';

const sqs = testSqsClient();
const dynamo = testDynamoClient();
const log = new MemoryLogSink();
const metrics = new MemoryMetricsSink();
let simulator: ApnsSimulator;
let apns: ApnsClient;
let devices: DynamoDeviceRepository;
let poller: Poller;
let queueUrl: string;

const token = (n: number) => `${n.toString(16).padStart(2, '0')}`.repeat(32);

beforeAll(async () => {
  simulator = await startApnsSimulator({ controlPort: false, bundles: [DEV_BUNDLE_ID] });
  apns = new ApnsClient({ endpoint: simulator.url, ca: simulator.caPem, requestTimeoutMs: 2000 });
  const tables = await createTestTables(dynamo);
  const documents = testDocumentClient(dynamo);
  devices = new DynamoDeviceRepository({ client: documents, tableName: tables.devices });
  const credentialsFile = join(mkdtempSync(join(tmpdir(), 'sender-')), 'apns.json');
  writeFileSync(credentialsFile, JSON.stringify([devTokenCredential()]));
  ({ queueUrl } = await createTestQueues(sqs, { maxReceiveCount: 5 }));
  const handler = createSenderHandler({
    fanOut: fanOutDeps({
      devices,
      apns,
      log,
      metrics,
      clock: systemClock,
      random: Math.random,
      credentials: new FileCredentialProvider({ path: credentialsFile, log, metrics, apns }),
      deliveries: new DynamoDeliveryStore(documents, { tableName: tables.deliveries }),
      options: { leaseMs: 2_000 },
    }),
  });
  poller = startPoller({ sqsClient: sqs, queueUrl, handler, failedVisibilityTimeoutSeconds: 1 });
});

afterAll(async () => {
  await poller.stop();
  await apns.close();
  await simulator.close();
  sqs.destroy();
  dynamo.destroy();
});

async function register(userId: string, deviceId: string, voip: string): Promise<void> {
  await devices.register({
    userId,
    deviceId,
    bundleId: DEV_BUNDLE_ID,
    environment: 'sandbox',
    voipToken: voip,
    now: new Date(Date.now() - 60_000),
  });
}

async function drained(): Promise<void> {
  const until = Date.now() + 15_000;
  for (;;) {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    if (
      Number(out.Attributes?.ApproximateNumberOfMessages) +
        Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible) ===
      0
    )
      return;
    if (Date.now() > until) throw new Error('queue not drained');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('sender end to end: fauxqs → poller → sender → ApnsClient → APNs simulator', () => {
  it('rings every device exactly once with the VoIP headers when the same incoming call arrives twice', async () => {
    await register('alice', 'alice-phone', token(1));
    await register('alice', 'alice-ipad', token(2));
    await register('bob', 'bob-phone', token(3));
    const createdAt = new Date().toISOString();
    const body = aCallBody({
      callId: 'e2e-1',
      recipients: ['alice', 'bob'],
      caller: { id: 'carol', displayName: 'Carol' },
      createdAt,
      ringTimeoutSeconds: 20,
    });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: body },
          { Id: 'b', MessageBody: body },
        ],
      }),
    );
    await drained();

    const pushes = simulator.pushes();
    expect(pushes.map((p) => p.token).sort()).toEqual([token(1), token(2), token(3)]);
    for (const push of pushes) {
      expect(push.headers).toMatchObject({
        'apns-push-type': 'voip',
        'apns-topic': `${DEV_BUNDLE_ID}.voip`,
        'apns-priority': '10',
        'apns-expiration': String(Math.floor((Date.parse(createdAt) + 20_000) / 1000)),
      });
      expect(push.headers['apns-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(push.auth).toBe('token');
      expect(push.payload).toMatchObject({
        type: 'incoming_call',
        callId: 'e2e-1',
        caller: { displayName: 'Carol' },
        media: 'audio',
      });
    }
    expect(metrics.sum(MetricName.PushAccepted)).toBe(3);
    const attempts = log.withMessage('push attempt').filter((l) => l.data.callId === 'e2e-1');
    expect(attempts).toHaveLength(3);
    for (const line of attempts) {
      expect(line.data).toMatchObject({
        statusCode: 200,
        outcome: 'delivered',
        attempt: 1,
        tokenHash: expect.stringMatching(/^[0-9a-f]{12}$/),
      });
      expect(line.data.apnsLatencyMs).toEqual(expect.any(Number));
      expect(line.data.deliveryLatencyMs).toEqual(expect.any(Number));
      expect(line.data.queueDelayMs).toEqual(expect.any(Number));
      expect(pushes.map((p) => p.headers['apns-id'])).toContain(line.data.apnsId);
    }
    expect(JSON.stringify(log.lines)).not.toContain(token(1));
  });

  it('prunes the token from the devices table when the simulator answers 410 Unregistered', async () => {
    await register('dave', 'phone', token(4));
    simulator.unregisterToken(token(4), Date.now());
    const body = aCallBody({ callId: 'e2e-2', recipients: ['dave'], caller: { id: 'carol' } });
    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: 'a', MessageBody: body }] }),
    );
    await drained();
    expect((await devices.get('dave', 'phone'))?.voipToken).toBeUndefined();
    expect(log.withMessage('push attempt').find((l) => l.data.callId === 'e2e-2')?.data).toMatchObject({
      statusCode: 410,
      outcome: 'pruned',
    });
  });
});

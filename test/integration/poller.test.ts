import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { SQSEvent } from 'aws-lambda';
import { createSenderHandler } from '../../functions/sender/create-handler';
import { SqsDeadLetterSink } from '../../functions/sender/dead-letter';
import { type Poller, startPoller } from '../../local/poller';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamodb/delivery-store';
import { MetricName } from '../../shared/platform/metric-names';
import { systemClock } from '../../shared/use-cases/fan-out-deps';
import { FakeApnsTransport } from '../fakes/fake-apns-transport';
import { aDevice, FakeDeviceRepository } from '../fakes/fake-device-repository';
import { MemoryLogSink, MemoryMetricsSink } from '../fakes/memory-telemetry';
import { aCallBody } from '../kit/call-events';
import { aTokenCredential, FakeCredentials } from '../kit/credentials';
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
const credential = aTokenCredential('com.example.app', { signingKey: 'k' });
let deliveriesTable: string;
let poller: Poller | undefined;

beforeAll(async () => {
  deliveriesTable = (await createTestTables(dynamo)).deliveries;
});
afterEach(async () => {
  await poller?.stop();
  poller = undefined;
});
afterAll(() => {
  sqs.destroy();
  dynamo.destroy();
});

let seq = 0;
const callBody = (callId = `call-${++seq}-${Date.now()}`, recipients = ['user-1']) =>
  aCallBody({ callId, recipients });

function sender(options: { dlqUrl?: string } = {}) {
  const devices = new FakeDeviceRepository([
    aDevice({ userId: 'user-1' }),
    aDevice({ userId: 'user-1' }),
    aDevice({ userId: 'user-2' }),
  ]);
  const apns = new FakeApnsTransport();
  const log = new MemoryLogSink();
  const metrics = new MemoryMetricsSink();
  const deliveries = new DynamoDeliveryStore(testDocumentClient(dynamo), { tableName: deliveriesTable });
  const handler = createSenderHandler({
    fanOut: fanOutDeps({
      devices,
      apns,
      deliveries,
      log,
      metrics,
      random: Math.random,
      clock: systemClock,
      credentials: new FakeCredentials([credential]),
      options: { leaseMs: 800 },
    }),
    ...(options.dlqUrl ? { deadLetters: new SqsDeadLetterSink(sqs, options.dlqUrl) } : {}),
  });
  return { handler, devices, apns, log, metrics, deliveries };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function queueDepth(queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('local poller through fauxqs', () => {
  it('hands real-shaped batches to the handler and deletes every record when none failed', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    const s = sender();
    const events: SQSEvent[] = [];
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: 5 }, (_, i) => ({
          Id: `${i}`,
          MessageBody: callBody(undefined, ['user-1', 'user-2']),
          MessageAttributes: { origin: { DataType: 'String', StringValue: 'test' } },
        })),
      }),
    );
    poller = startPoller({
      sqsClient: sqs,
      queueUrl,
      handler: async (event, context) => {
        events.push(event);
        return s.handler(event, context);
      },
    });
    await waitFor(() => s.apns.sent.length === 15);
    await waitFor(async () => (await queueDepth(queueUrl)) === 0);
    const record = events[0]?.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: expect.stringMatching(/^arn:aws:sqs:us-east-1:\d+:calls-/),
      awsRegion: 'us-east-1',
      md5OfBody: expect.stringMatching(/^[0-9a-f]{32}$/),
      receiptHandle: expect.any(String),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d+$/) },
      messageAttributes: { origin: { dataType: 'String', stringValue: 'test' } },
    });
    expect(s.metrics.sum(MetricName.PushAccepted)).toBe(15);
  });

  it('redelivers only the failed record of a batch and delivers it once the other worker lease runs out', async () => {
    const { queueUrl } = await createTestQueues(sqs, { maxReceiveCount: 5 });
    const s = sender();
    const held = `held-${Date.now()}`;
    const device = (await s.devices.listByUser('user-1'))[0];
    await s.deliveries.claim(
      { callId: held, userId: 'user-1', deviceId: device?.deviceId as string, pushType: 'voip' },
      1_000,
    );
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: callBody(held) },
          { Id: 'b', MessageBody: callBody() },
        ],
      }),
    );
    poller = startPoller({ sqsClient: sqs, queueUrl, handler: s.handler, failedVisibilityTimeoutSeconds: 1 });
    await waitFor(async () => (await queueDepth(queueUrl)) === 0);
    const heldPushes = s.apns
      .sentTo(device?.voipToken as string)
      .filter((r) => JSON.parse(r.payload).callId === held);
    expect(heldPushes).toHaveLength(1);
    const fannedOut = s.log.withMessage('call fanned out').filter((l) => l.data.callId === held);
    expect(fannedOut.length).toBeGreaterThanOrEqual(2);
    expect(fannedOut[0]?.data).toMatchObject({ outcomes: { delivered: 1, deferred: 1 } });
    expect(fannedOut.at(-1)?.data).toMatchObject({ outcomes: { delivered: 1, duplicate: 1 } });
    expect(Number(fannedOut.at(-1)?.data.receiveCount)).toBeGreaterThan(1);
  });

  it('moves a malformed message to the DLQ after maxReceiveCount with its reason logged on every receive', async () => {
    const { queueUrl, dlqUrl } = await createTestQueues(sqs, { maxReceiveCount: 2 });
    const s = sender();
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'bad', MessageBody: '{"version":1' },
          { Id: 'ok', MessageBody: callBody() },
        ],
      }),
    );
    poller = startPoller({ sqsClient: sqs, queueUrl, handler: s.handler, failedVisibilityTimeoutSeconds: 0 });
    await waitFor(async () => (await queueDepth(dlqUrl)) === 1);
    expect(s.apns.sent).toHaveLength(2);
    const rejected = s.log.withMessage('event rejected');
    expect(rejected).toHaveLength(2);
    expect(rejected.map((l) => l.data.reason)).toEqual(['invalid_json', 'invalid_json']);
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }));
    expect(dead.Messages?.[0]?.Body).toBe('{"version":1');
  });

  it('moves a malformed message to the DLQ at once with the reason attached when DLQ_URL is set', async () => {
    const { queueUrl, dlqUrl } = await createTestQueues(sqs, { maxReceiveCount: 3 });
    const s = sender({ dlqUrl });
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ version: 7 }) }),
    );
    poller = startPoller({ sqsClient: sqs, queueUrl, handler: s.handler });
    await waitFor(async () => (await queueDepth(dlqUrl)) === 1);
    await waitFor(async () => (await queueDepth(queueUrl)) === 0);
    const dead = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    expect(dead.Messages?.[0]?.MessageAttributes?.rejectReason?.StringValue).toBe('unsupported_version');
    expect(s.log.withMessage('event rejected')).toHaveLength(1);
  });

  it('sends once per device when the same call event is delivered twice', async () => {
    const { queueUrl } = await createTestQueues(sqs, { maxReceiveCount: 5 });
    const s = sender();
    const body = callBody(undefined, ['user-1', 'user-2']);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: body },
          { Id: 'b', MessageBody: body },
        ],
      }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    poller = startPoller({ sqsClient: sqs, queueUrl, handler: s.handler, failedVisibilityTimeoutSeconds: 1 });
    await waitFor(async () => (await queueDepth(queueUrl)) === 0);
    expect(s.apns.sent).toHaveLength(3);
    expect(new Set(s.apns.sent.map((p) => p.request.token)).size).toBe(3);
    // Every later delivery finds each device already accepted (a redelivered record counts them again).
    expect(s.metrics.sum(MetricName.PushDuplicate)).toBeGreaterThanOrEqual(6);
    expect(s.metrics.sum(MetricName.PushAccepted)).toBe(3);
  });

  it('leaves the whole batch for redelivery when the handler throws', async () => {
    const { queueUrl } = await createTestQueues(sqs, { visibilityTimeoutSeconds: 1 });
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'a' },
          { Id: 'b', MessageBody: 'b' },
        ],
      }),
    );
    const seen: string[][] = [];
    poller = startPoller({
      sqsClient: sqs,
      queueUrl,
      handler: async (event) => {
        seen.push(event.Records.map((r) => `${r.body}:${r.attributes.ApproximateReceiveCount}`).sort());
        if (seen.length === 1) throw new Error('boom');
        return { batchItemFailures: [] };
      },
    });
    await waitFor(async () => (await queueDepth(queueUrl)) === 0);
    expect(seen.flat().sort()).toEqual(['a:1', 'a:2', 'b:1', 'b:2']);
  });
});

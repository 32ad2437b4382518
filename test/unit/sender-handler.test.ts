import { describe, expect, it } from '@jest/globals';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { createSenderHandler } from '../../functions/sender/create-handler';
import type { DeadLetterSink } from '../../functions/sender/dead-letter';
import type { RedeliveryScheduler } from '../../functions/sender/redelivery';
import { InMemoryDeliveryStore } from '../../local/memory-delivery-store';
import { MetricName } from '../../shared/platform/metric-names';
import { FakeApnsTransport, reject } from '../fakes/fake-apns-transport';
import { aDevice, FakeDeviceRepository } from '../fakes/fake-device-repository';
import { MemoryLogSink, MemoryMetricsSink } from '../fakes/memory-telemetry';
import { aCallBody, CALL_CREATED_AT } from '../kit/call-events';
import { aTokenCredential, FakeCredentials } from '../kit/credentials';
import { aLambdaContext, anSqsRecord } from '../kit/lambda';
import { fanOutDeps } from '../kit/sender-deps';

const NOW = Date.parse('2026-11-28T10:00:02.000Z');
const credential = aTokenCredential('com.example.app', { signingKey: 'k' });

const callBody = (callId: string, overrides: Record<string, unknown> = {}) =>
  aCallBody({ callId, createdAt: CALL_CREATED_AT, ...overrides });

function aRecord(messageId: string, body: string): SQSRecord {
  return anSqsRecord(messageId, body, {
    sentAt: NOW - 250,
    receivedAt: NOW,
    senderId: 'local',
    messageAttributes: {
      origin: { dataType: 'String', stringValue: 'test', stringListValues: [], binaryListValues: [] },
    },
  });
}

const context = aLambdaContext(30_000, 'sender');
const batch = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

function setup(options: { deadLetters?: DeadLetterSink; redelivery?: RedeliveryScheduler } = {}) {
  const devices = new FakeDeviceRepository([
    aDevice({ userId: 'user-1', deviceId: 'd-1' }),
    aDevice({ userId: 'user-1', deviceId: 'd-2' }),
  ]);
  const apns = new FakeApnsTransport();
  const deliveries = new InMemoryDeliveryStore(() => NOW);
  const log = new MemoryLogSink();
  const metrics = new MemoryMetricsSink();
  const handler = createSenderHandler({
    fanOut: fanOutDeps({
      devices,
      apns,
      deliveries,
      log,
      metrics,
      random: () => 0.5,
      credentials: new FakeCredentials([credential]),
      clock: { now: () => NOW, sleep: async () => {} },
    }),
    ...options,
  });
  return { handler, devices, apns, deliveries, log, metrics };
}

describe('sender handler', () => {
  it('reports no failure and pushes every device when every record of the batch is valid', async () => {
    const s = setup();
    const result = await s.handler(
      batch(aRecord('m1', callBody('c1')), aRecord('m2', callBody('c2'))),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(s.apns.sent).toHaveLength(4);
    expect(s.log.withMessage('call fanned out').map((l) => l.data.outcomes)).toEqual([
      { delivered: 2 },
      { delivered: 2 },
    ]);
    expect(s.metrics.flushes).toBe(1);
  });

  it('reports only the malformed record and still sends the others when one record is bad JSON', async () => {
    const s = setup();
    const result = await s.handler(
      batch(aRecord('m1', callBody('c1')), aRecord('bad', '{not json'), aRecord('m3', callBody('c3'))),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(s.apns.sent).toHaveLength(4);
    expect(s.log.withMessage('event rejected')[0]?.data).toMatchObject({
      messageId: 'bad',
      reason: 'invalid_json',
      disposition: 'left_for_redrive',
    });
    expect(s.metrics.sum(MetricName.EventRejected)).toBe(1);
  });

  it.each([
    ['unsupported_version', callBody('c1', { version: 2 })],
    ['invalid_event', callBody('c1', { recipients: [] })],
    ['payload_too_large', callBody('c1', { data: { pad: 'x'.repeat(6000) } })],
  ])('rejects with reason %s and sends nothing when the record cannot succeed', async (reason, body) => {
    const s = setup();
    const result = await s.handler(batch(aRecord('m1', body)), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(s.log.withMessage('event rejected')[0]?.data.reason).toBe(reason);
    expect(s.apns.sent).toHaveLength(0);
  });

  it('moves the malformed record to the DLQ with its reason and reports success when a DLQ is configured', async () => {
    const moved: Array<{ id: string; reason: string }> = [];
    const s = setup({
      deadLetters: { forward: async (r, reason) => void moved.push({ id: r.messageId, reason }) },
    });
    const result = await s.handler(batch(aRecord('bad', '[]'), aRecord('m2', callBody('c2'))), context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(moved).toEqual([{ id: 'bad', reason: 'invalid_event' }]);
    expect(s.log.withMessage('event rejected')[0]?.data).toMatchObject({ disposition: 'moved_to_dlq' });
  });

  it('leaves the malformed record for the redrive when moving it to the DLQ fails', async () => {
    const s = setup({ deadLetters: { forward: async () => Promise.reject(new Error('sqs down')) } });
    const result = await s.handler(batch(aRecord('bad', '')), context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(s.log.withMessage('event rejected')[0]?.data).toMatchObject({ disposition: 'left_for_redrive' });
  });

  it('reports the record for redelivery without sending when another worker holds the lease', async () => {
    const s = setup();
    s.deliveries.holdLease({ callId: 'c1', userId: 'user-1', deviceId: 'd-1', pushType: 'voip' }, 20_000);
    const result = await s.handler(batch(aRecord('m1', callBody('c1'))), context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(s.apns.sentTo(s.devices.device('user-1', 'd-1')?.voipToken as string)).toHaveLength(0);
  });

  it('brings a deferred record back within a second when a redelivery scheduler is configured', async () => {
    const soon: Array<[string, number]> = [];
    const s = setup({
      redelivery: { soon: async (record, delay) => void soon.push([record.receiptHandle, delay]) },
    });
    s.deliveries.holdLease({ callId: 'c1', userId: 'user-1', deviceId: 'd-1', pushType: 'voip' }, 20_000);
    const result = await s.handler(
      batch(aRecord('m1', callBody('c1')), aRecord('m2', callBody('c2'))),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(soon).toEqual([['rh-m1', 1]]);
  });

  it('still reports the deferred record when shortening its visibility fails', async () => {
    const s = setup({
      redelivery: {
        soon: async () => {
          throw new Error('sqs down');
        },
      },
    });
    s.deliveries.holdLease({ callId: 'c1', userId: 'user-1', deviceId: 'd-1', pushType: 'voip' }, 20_000);
    const result = await s.handler(batch(aRecord('m1', callBody('c1'))), context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(s.log.withMessage('shortening the visibility of a deferred record failed')).toHaveLength(1);
  });

  it('reports the record for redelivery when the device lookup fails', async () => {
    const s = setup();
    s.devices.failingUsers.add('user-1');
    const result = await s.handler(batch(aRecord('m1', callBody('c1'))), context);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
    expect(s.log.withMessage('call fan-out failed, record left for redelivery')).toHaveLength(1);
  });

  it('brings a record whose lookup failed back in 2 s, then 6 s, while the call rings, and not past its ring window', async () => {
    const soon: Array<[string, number]> = [];
    const s = setup({
      redelivery: { soon: async (record, delay) => void soon.push([record.messageId, delay]) },
    });
    s.devices.failingUsers.add('user-1');
    const received = (id: string, receiveCount: number, body = callBody(id)) =>
      anSqsRecord(id, body, { sentAt: NOW - 250, receivedAt: NOW, receiveCount });
    await s.handler(batch(received('m1', 1), received('m2', 2)), context);
    expect(soon).toEqual([
      ['m1', 2],
      ['m2', 6],
    ]);
    // The third receive would come after 18 s: past a 10 s ring window, so it is not hurried.
    soon.length = 0;
    const result = await s.handler(
      batch(received('m3', 3, callBody('m3', { ringTimeoutSeconds: 10 }))),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm3' }] });
    expect(soon).toEqual([]);
  });

  it('reports success when APNs fails permanently or the call has expired, since a retry cannot help', async () => {
    const s = setup();
    s.apns.respond = () => reject(400, 'BadTopic');
    const result = await s.handler(
      batch(
        aRecord('m1', callBody('c1')),
        aRecord('m2', callBody('c2', { createdAt: '2026-11-28T09:00:00.000Z' })),
      ),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(s.metrics.sum(MetricName.PushFailed)).toBe(2);
    expect(s.metrics.sum(MetricName.CallExpired)).toBe(1);
  });

  it('measures the queue delay from SentTimestamp when a record arrives', async () => {
    const s = setup();
    await s.handler(batch(aRecord('m1', callBody('c1'))), context);
    expect(s.metrics.recorded.filter((m) => m.name === MetricName.QueueDelay).map((m) => m.value)).toEqual([
      250,
    ]);
    expect(s.log.withMessage('push attempt')[0]?.data.queueDelayMs).toBe(250);
  });

  it('answers with every record listed, not an exception, when the whole batch fails', async () => {
    const s = setup();
    const result = await s.handler(batch(aRecord('a', 'x'), aRecord('b', 'y')), context);
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a', 'b']);
  });
});

import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { LogFn } from '../../local/api-server';
import { mintDevToken } from '../../local/jwt';
import { DEFAULT_TABLE_NAMES, type LocalStack, startLocalStack } from '../../local/stack';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamodb/delivery-store';
import type { DeliveryRecord } from '../../shared/ports/delivery-store';
import { aCallBody } from '../kit/call-events';
import { freeStackPorts, stackDynamoClient, stackSqsClient } from '../support/local-stack';

const started: LocalStack[] = [];
afterAll(async () => {
  await Promise.all(started.map((stack) => stack.stop()));
});

interface Line {
  readonly message: string;
  readonly data: Record<string, unknown>;
}

/** A stack in memory on free ports; its log lines are kept. */
async function stack(env: Record<string, string>) {
  const lines: Line[] = [];
  const log: LogFn = (_level, message, data) => lines.push({ message, data });
  const started_ = await startLocalStack({
    ...(await freeStackPorts()),
    dataDir: null,
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', ...env },
    log,
  });
  started.push(started_);
  return { stack: started_, lines };
}

/** Registers a phone through the API and queues an incoming_call for its user. */
async function ring(
  info: LocalStack['info'],
  userId: string,
  deviceId: string,
  voipToken: string,
  callId: string,
) {
  const put = await fetch(`${info.apiUrl}/v1/devices/${deviceId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await mintDevToken(userId)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ bundleId: 'com.example.voip', environment: 'sandbox', voipToken }),
  });
  expect(put.status).toBe(200);
  const sqs = stackSqsClient(info);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: info.queueUrl,
      MessageBody: aCallBody({
        callId,
        recipients: [userId],
        caller: { id: 'caller-1', displayName: 'Ada' },
        ringTimeoutSeconds: 30,
      }),
    }),
  );
  sqs.destroy();
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('local receipt loop', () => {
  it('stores receivedAt and reportedAt and logs both latencies when the phones answer a pushed call', async () => {
    const { stack: s, lines } = await stack({ PHONE_RECEIPT_DELAY_MS: '30' });
    await ring(s.info, 'loop-user', 'loop-phone', 'c4'.repeat(32), 'c-loop-1');
    const dynamo = stackDynamoClient(s.info);
    const store = new DynamoDeliveryStore(DynamoDBDocumentClient.from(dynamo), {
      tableName: DEFAULT_TABLE_NAMES.deliveries,
    });
    const record = await waitFor<DeliveryRecord>(async () => {
      const found = await store.get({
        callId: 'c-loop-1',
        userId: 'loop-user',
        deviceId: 'loop-phone',
        pushType: 'voip',
      });
      return found?.reportedAt ? found : undefined;
    }, 20_000);
    dynamo.destroy();
    expect(record?.status).toBe('accepted');
    expect(Date.parse(record?.receivedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(record?.acceptedAt ?? ''));
    expect(Date.parse(record?.reportedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(record?.receivedAt ?? ''));

    // The phone logs its receipt after the API's answer, which can come just after the record was written.
    const phoneReceipts = () => lines.filter((line) => line.message === 'phone receipt');
    await waitFor(async () => (phoneReceipts().length >= 2 ? true : undefined), 5_000);
    const receipts = phoneReceipts().map((line) => line.data);
    expect(receipts.map((r) => [r.stage, r.statusCode])).toEqual([
      ['received', 200],
      ['reported', 200],
    ]);
    for (const receipt of receipts) {
      expect(receipt.phoneLatencyMs).toEqual(expect.any(Number));
      expect(receipt.endToEndMs).toEqual(expect.any(Number));
      expect(receipt.endToEndMs as number).toBeGreaterThanOrEqual(receipt.phoneLatencyMs as number);
    }
    // The phone waited PHONE_RECEIPT_DELAY_MS after the simulator accepted the push.
    expect(receipts[0]?.phoneLatencyMs as number).toBeGreaterThanOrEqual(20);
  }, 90_000);

  it('leaves the record without receipts when the drop rate silences every phone', async () => {
    const { stack: s, lines } = await stack({ PHONE_RECEIPT_DROP_RATE: '1' });
    await ring(s.info, 'mute-user', 'mute-phone', 'd5'.repeat(32), 'c-loop-2');
    const dropped = await waitFor(
      async () => lines.find((line) => line.message === 'phone dropped receipt'),
      20_000,
    );
    expect(dropped?.data).toEqual({ callId: 'c-loop-2', deviceId: 'mute-phone' });
    await new Promise((r) => setTimeout(r, 300));
    const dynamo = stackDynamoClient(s.info);
    const store = new DynamoDeliveryStore(DynamoDBDocumentClient.from(dynamo), {
      tableName: DEFAULT_TABLE_NAMES.deliveries,
    });
    const record = await store.get({
      callId: 'c-loop-2',
      userId: 'mute-user',
      deviceId: 'mute-phone',
      pushType: 'voip',
    });
    dynamo.destroy();
    expect(record?.status).toBe('accepted');
    expect(record?.receivedAt).toBeUndefined();
    expect(record?.reportedAt).toBeUndefined();
  }, 90_000);
});

/**
 * `npm run demo [-- <stack.json>]`: against a running `npm start`, registers a device with a dev token,
 * queues an `incoming_call` for its user, waits until the APNs simulator accepted the push, and prints
 * the push's headers and the latency from the event's `createdAt` to APNs' answer, then the phone side:
 * the receipts the local phones posted and their `phoneLatencyMs` / `endToEndMs`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeliveryStore } from '../shared/adapters/dynamodb/delivery-store';
import type { DeliveryKey } from '../shared/ports/delivery-store';
import { receiptLatencies } from '../shared/use-cases/record-receipt';
import { mintDevToken } from './jwt';
import { LOCAL_CREDENTIALS } from './services/dynamodb-local';
import { DEFAULT_TABLE_NAMES, LOCAL_DIR, type LocalStackInfo } from './stack';

const DEMO_BUNDLE_ID = 'com.example.voip'; // the bundle of the simulator's dev credential
const stackFile = process.argv[2] ?? join(LOCAL_DIR, 'stack.json');

function readJson<T>(path: string, hint: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    throw new Error(`cannot read ${path}: ${hint}`);
  }
}

interface AcceptedPush {
  readonly headers: Record<string, string>;
  readonly payload: unknown;
  readonly receivedAt: number;
}

async function waitForPush(controlUrl: string, token: string, timeoutMs: number): Promise<AcceptedPush> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${controlUrl}/pushes?token=${token}`);
    const { pushes } = (await res.json()) as { pushes: AcceptedPush[] };
    if (pushes[0]) return pushes[0];
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the simulator saw no push within ${timeoutMs} ms: see the npm start output`);
}

async function main(): Promise<void> {
  const info = readJson<LocalStackInfo>(stackFile, 'start the stack first with `npm start`');
  const userId = `demo-${randomUUID().slice(0, 8)}`;
  const voipToken = randomBytes(32).toString('hex');
  const token = await mintDevToken(userId);

  const put = await fetch(`${info.apiUrl}/v1/devices/demo-iphone`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ bundleId: DEMO_BUNDLE_ID, environment: 'sandbox', voipToken }),
  });
  if (put.status !== 200) throw new Error(`registration failed: ${put.status} ${await put.text()}`);
  console.log(
    `registered device demo-iphone for ${userId} (PUT ${info.apiUrl}/v1/devices/demo-iphone → 200)`,
  );

  const callId = `c-demo-${Date.now()}`;
  const createdAt = new Date();
  const sqs = new SQSClient({
    endpoint: info.sqsEndpoint,
    region: info.region,
    credentials: LOCAL_CREDENTIALS,
  });
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: info.queueUrl,
      MessageBody: JSON.stringify({
        version: 1,
        type: 'incoming_call',
        callId,
        recipients: [userId],
        caller: { id: 'demo-caller', displayName: 'Ada', handle: '+15550100' },
        media: 'audio',
        createdAt: createdAt.toISOString(),
        ringTimeoutSeconds: 30,
        data: { room: 'demo-room' },
      }),
    }),
  );
  sqs.destroy();
  console.log(`queued incoming_call ${callId} on ${info.queueUrl}`);

  let simulator: { controlUrl?: string } = {};
  try {
    simulator = readJson(join(dirname(stackFile), 'apns-simulator.json'), 'no simulator');
  } catch {
    // APNS_ENDPOINT points elsewhere: no simulator runs.
  }
  if (!simulator.controlUrl) {
    console.log(`APNS_ENDPOINT is ${info.apnsEndpoint}: watch the npm start log for the push of ${callId}`);
    return;
  }
  const push = await waitForPush(simulator.controlUrl, voipToken, 15_000);
  console.log('APNs simulator accepted the push:');
  for (const [name, value] of Object.entries(push.headers).sort()) console.log(`  ${name}: ${value}`);
  console.log(`  payload: ${JSON.stringify(push.payload)}`);
  console.log(
    `latency from createdAt to the push reaching APNs: ${push.receivedAt - createdAt.getTime()} ms`,
  );
  await showPhoneReceipts(info, { callId, userId, deviceId: 'demo-iphone', pushType: 'voip' });
}

/** Waits for the phones' receipts on the delivery record and prints the latencies the receipts API measured. */
async function showPhoneReceipts(info: LocalStackInfo, key: DeliveryKey): Promise<void> {
  const dynamo = new DynamoDBClient({
    endpoint: info.dynamodbEndpoint,
    region: info.region,
    credentials: LOCAL_CREDENTIALS,
  });
  const store = new DynamoDeliveryStore(DynamoDBDocumentClient.from(dynamo), {
    tableName: DEFAULT_TABLE_NAMES.deliveries,
  });
  const deadline = Date.now() + 5_000;
  let record = await store.get(key);
  while (!record?.reportedAt && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    record = await store.get(key);
  }
  dynamo.destroy();
  const { acceptedAt, createdAt } = record ?? {};
  if (!record?.receivedAt || !acceptedAt || !createdAt) {
    console.log('no receipt from the phone within 5 s (PHONE_RECEIPTS=off, or PHONE_RECEIPT_DROP_RATE?)');
    return;
  }
  for (const [stage, at] of [
    ['received', record.receivedAt],
    ['reported', record.reportedAt],
  ] as const) {
    if (!at) continue;
    const { phoneLatencyMs, endToEndMs } = receiptLatencies({ acceptedAt, createdAt }, at);
    console.log(
      `phone receipt ${stage}: phoneLatencyMs ${phoneLatencyMs} (APNs accept → receipt), endToEndMs ${endToEndMs}`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

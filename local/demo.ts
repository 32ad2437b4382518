/**
 * `npm run demo [-- <stack.json>]`: against a running `npm start`, registers an iPhone and an Android
 * phone for one user with a dev token, queues one `incoming_call` for that user, waits until the APNs
 * and FCM simulators accepted their push, and prints each push and the latency from the event's
 * `createdAt` to the provider, then the phone side: the receipts the local phones posted and their
 * `phoneLatencyMs` / `endToEndMs`.
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

/** What a simulator's control API lists: APNs `pushes` (headers, payload), FCM `messages` (message). */
interface Accepted {
  readonly headers?: Record<string, string>;
  readonly payload?: unknown;
  readonly message?: Record<string, unknown>;
  readonly receivedAt: number;
}

interface Phone {
  readonly platform: 'ios' | 'android';
  readonly deviceId: string;
  readonly token: string;
  readonly body: Record<string, unknown>;
  /** `<file in the stack's directory>`, `<list path>`, `<field>` of its simulator. */
  readonly simulator: { readonly file: string; readonly path: string; readonly field: 'pushes' | 'messages' };
}

function demoPhones(): Phone[] {
  const voipToken = randomBytes(32).toString('hex');
  const fcmToken = `demo${randomBytes(8).toString('hex')}:APA91b${randomBytes(60).toString('base64url')}`;
  return [
    {
      platform: 'ios',
      deviceId: 'demo-iphone',
      token: voipToken,
      body: { bundleId: DEMO_BUNDLE_ID, environment: 'sandbox', voipToken },
      simulator: { file: 'apns-simulator.json', path: 'pushes', field: 'pushes' },
    },
    {
      platform: 'android',
      deviceId: 'demo-pixel',
      token: fcmToken,
      body: { platform: 'android', bundleId: DEMO_BUNDLE_ID, fcmToken },
      simulator: { file: 'fcm-simulator.json', path: 'messages', field: 'messages' },
    },
  ];
}

async function waitForPush(controlUrl: string, phone: Phone, timeoutMs: number): Promise<Accepted> {
  const deadline = Date.now() + timeoutMs;
  const { path, field } = phone.simulator;
  while (Date.now() < deadline) {
    const res = await fetch(`${controlUrl}/${path}?token=${encodeURIComponent(phone.token)}`);
    const first = ((await res.json()) as Record<string, Accepted[]>)[field]?.[0];
    if (first) return first;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `the ${phone.platform} simulator saw no push within ${timeoutMs} ms: see the npm start output`,
  );
}

/** The simulator's control URL from the file `npm start` writes beside stack.json; none when an endpoint is set. */
function simulatorControlUrl(phone: Phone): string | undefined {
  try {
    return readJson<{ controlUrl?: string }>(join(dirname(stackFile), phone.simulator.file), 'no simulator')
      .controlUrl;
  } catch {
    return undefined; // APNS_ENDPOINT / FCM_ENDPOINT points elsewhere: no simulator runs.
  }
}

function printPush(phone: Phone, push: Accepted, createdAt: Date): void {
  const provider = phone.platform === 'ios' ? 'APNs' : 'FCM';
  console.log(`${provider} simulator accepted the push to ${phone.deviceId}:`);
  for (const [name, value] of Object.entries(push.headers ?? {}).sort()) console.log(`  ${name}: ${value}`);
  if (push.payload !== undefined) console.log(`  payload: ${JSON.stringify(push.payload)}`);
  if (push.message !== undefined) {
    const { token: _token, ...message } = push.message; // the raw token stays out of the output
    console.log(`  message: ${JSON.stringify(message)}`);
  }
  console.log(
    `  latency from createdAt to the push reaching ${provider}: ${push.receivedAt - createdAt.getTime()} ms`,
  );
}

async function main(): Promise<void> {
  const info = readJson<LocalStackInfo>(stackFile, 'start the stack first with `npm start`');
  const userId = `demo-${randomUUID().slice(0, 8)}`;
  const token = await mintDevToken(userId);
  const phones = demoPhones();

  for (const phone of phones) {
    const url = `${info.apiUrl}/v1/devices/${phone.deviceId}`;
    const put = await fetch(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(phone.body),
    });
    if (put.status !== 200) throw new Error(`registration failed: ${put.status} ${await put.text()}`);
    console.log(`registered ${phone.platform} device ${phone.deviceId} for ${userId} (PUT ${url} → 200)`);
  }

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

  for (const phone of phones) {
    const controlUrl = simulatorControlUrl(phone);
    if (!controlUrl) {
      console.log(`${phone.platform}: pushes go to your endpoint: watch the npm start log for ${callId}`);
      continue;
    }
    printPush(phone, await waitForPush(controlUrl, phone, 15_000), createdAt);
  }
  for (const phone of phones) {
    await showPhoneReceipts(info, phone.deviceId, {
      callId,
      userId,
      deviceId: phone.deviceId,
      pushType: 'voip',
    });
  }
}

/** Waits for the phones' receipts on the delivery record and prints the latencies the receipts API measured. */
async function showPhoneReceipts(info: LocalStackInfo, deviceId: string, key: DeliveryKey): Promise<void> {
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
    console.log(`no receipt from ${deviceId} within 5 s (PHONE_RECEIPTS=off, or PHONE_RECEIPT_DROP_RATE?)`);
    return;
  }
  for (const [stage, at] of [
    ['received', record.receivedAt],
    ['reported', record.reportedAt],
  ] as const) {
    if (!at) continue;
    const { phoneLatencyMs, endToEndMs } = receiptLatencies({ acceptedAt, createdAt }, at);
    console.log(
      `${deviceId} receipt ${stage}: phoneLatencyMs ${phoneLatencyMs} (provider accept → receipt), endToEndMs ${endToEndMs}`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

/**
 * A fresh process: seeds one device, then imports the bundled sender (as Lambda's init does) and invokes
 * it once cold and once warm. Only the import and the invocations are timed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import { createTables } from '../../local/services/tables';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamo-device-repository';
import { emitResult } from '../lib/child';

export interface ColdStartResult {
  readonly loadMs: number;
  readonly firstPushMs: number;
  readonly warmPushMs: number;
  readonly failures: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as {
  bundle: string;
  dynamodbEndpoint: string;
  apnsUrl: string;
  credentialsFile: string;
  caFile: string;
};
const suffix = randomUUID().slice(0, 8);
const tables = { devices: `bench-cold-devices-${suffix}`, deliveries: `bench-cold-deliveries-${suffix}` };
const dynamo = new DynamoDBClient({
  endpoint: input.dynamodbEndpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
});
await createTables(dynamo, tables);
await new DynamoDeviceRepository({
  client: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
  tableName: tables.devices,
}).register({
  userId: 'cold-user',
  deviceId: 'phone-1',
  bundleId: 'com.example.voip',
  environment: 'sandbox',
  voipToken: randomBytes(32).toString('hex'),
  now: new Date(),
});
dynamo.destroy();

Object.assign(process.env, {
  DEVICES_TABLE_NAME: tables.devices,
  DELIVERIES_TABLE_NAME: tables.deliveries,
  APNS_CREDENTIALS_FILE: input.credentialsFile,
  APNS_ENDPOINT: input.apnsUrl,
  APNS_CA_FILE: input.caFile,
  DYNAMODB_ENDPOINT: input.dynamodbEndpoint,
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  POWERTOOLS_SERVICE_NAME: 'sender',
  POWERTOOLS_METRICS_NAMESPACE: 'VoipPushBench',
  POWERTOOLS_LOG_LEVEL: 'WARN',
});
const event = (): SQSEvent => ({
  Records: [
    {
      messageId: randomUUID(),
      receiptHandle: 'r',
      body: JSON.stringify({
        version: 1,
        type: 'incoming_call',
        callId: `c-${randomUUID()}`,
        recipients: ['cold-user'],
        caller: { id: 'user-9', displayName: 'Ada' },
        createdAt: new Date().toISOString(),
      }),
      attributes: { SentTimestamp: String(Date.now()), ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
      awsRegion: LOCAL_REGION,
    } as unknown as SQSEvent['Records'][number],
  ],
});
const context = {
  functionName: 'sender',
  awsRequestId: 'x',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const t0 = performance.now();
const mod = (await import(input.bundle)) as {
  handler: (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;
};
const loadMs = performance.now() - t0;
const t1 = performance.now();
const first = await mod.handler(event(), context);
const firstPushMs = performance.now() - t1;
const t2 = performance.now();
const second = await mod.handler(event(), context);
const warmPushMs = performance.now() - t2;
emitResult({
  loadMs,
  firstPushMs,
  warmPushMs,
  failures: first.batchItemFailures.length + second.batchItemFailures.length,
} satisfies ColdStartResult);
process.exit(0);

import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadSenderConfig } from '../../functions/sender/config';
import { createSenderHandler, type SenderHandler } from '../../functions/sender/create-handler';
import { buildSenderDeps, type SenderDeps } from '../../functions/sender/wiring';
import { DEV_BUNDLE_ID, devKeyPaths } from '../../local/apns-simulator/dev-credentials';
import { devFcmKeyPaths } from '../../local/fcm-simulator/dev-credentials';
import { documentClientOf } from '../../shared/adapters/dynamodb/clients';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { EnvName } from '../../shared/platform/env-names';
import { aCallBody } from '../kit/call-events';
import { aLambdaContext, anSqsRecord } from '../kit/lambda';
import { SenderHarness } from '../reliability/sender-harness';
import { LogCapture, parseJsonLines } from '../support/log-capture';

/**
 * The `push attempt` line of a push APNs or FCM accepts on the first attempt, as the deployed sender
 * writes it: `handler.ts`'s wiring (`buildSenderDeps` with its default Powertools Logger and Metrics) in
 * a Lambda-like environment (region, function name, an unsampled X-Ray trace header), stdout captured.
 * Ids are full-length: UUIDs for callId, deviceId and apns-id, FCM's `projects/<p>/messages/<id>`.
 * The 300 bytes are out of reach with the contract's field names (docs/performance.md, "The
 * push attempt line"): the contract's fields alone take ≈ 373 bytes here. What this holds is that the
 * line carries Powertools' four keys and the contract's fields, nothing else, within the budget below.
 */
const MAX_LINE_BYTES = 500;

/** What Lambda sets in every execution environment, as far as the Logger reads it. */
const LAMBDA_ENV: Record<string, string> = {
  AWS_REGION: 'eu-west-1',
  AWS_LAMBDA_FUNCTION_NAME: 'VoipPushStateless-SenderFunction1A2B3C4D-AbCdEfGhIjKl',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
  _X_AMZN_TRACE_ID: 'Root=1-67a1b2c3-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0',
};

const POWERTOOLS_KEYS = ['level', 'message', 'timestamp', 'service'];
/** docs/contracts.md "Sender log line": a success has no `reason`; FCM has no `environment`. */
const CONTRACT_FIELDS = {
  ios: ['callId', 'deviceId', 'platform', 'bundleId', 'environment', 'pushType', 'tokenHash', 'apnsId'],
  android: ['callId', 'deviceId', 'platform', 'bundleId', 'pushType', 'tokenHash', 'messageId'],
  both: ['statusCode', 'attempt', 'queueDelayMs', 'apnsLatencyMs', 'deliveryLatencyMs', 'outcome'],
} as const;

let harness: SenderHarness;
let deps: SenderDeps;
let handler: SenderHandler;
const capture = new LogCapture('push-attempt-line-size');
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  harness = await SenderHarness.start({ name: 'push-attempt-line-size' });
  for (const [key, value] of Object.entries(LAMBDA_ENV)) {
    savedEnv[key] = process.env[key];
    process.env[key] = value;
  }
  const config = loadSenderConfig({
    [EnvName.devicesTable]: harness.tables.devices,
    [EnvName.deliveriesTable]: harness.tables.deliveries,
    [EnvName.apnsEndpoint]: harness.simulator.url,
    [EnvName.apnsCaFile]: devKeyPaths.caCertificate,
    [EnvName.fcmEndpoint]: harness.fcmSimulator.url,
    [EnvName.fcmCaFile]: devFcmKeyPaths.caCertificate,
    [EnvName.apnsCredentialsFile]: harness.credentialsFile,
    [EnvName.fcmCredentialsFile]: harness.fcmCredentialsFile,
  });
  // Only the DynamoDB client is given (DynamoDB Local's credentials); the Logger is handler.ts's.
  deps = buildSenderDeps(config, { dynamoClient: harness.dynamo });
  handler = createSenderHandler(deps);
}, 30_000);

afterAll(async () => {
  capture.stop();
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await deps?.close();
  await harness?.close();
});

/** The raw stdout line of the one `push attempt` of a fresh call to `userId`'s one device. */
async function successLine(userId: string): Promise<string> {
  const body = aCallBody({ callId: randomUUID(), recipients: [userId], caller: { id: 'caller-1' } });
  capture.clear();
  capture.start();
  try {
    const result = await handler({ Records: [anSqsRecord(randomUUID(), body)] }, aLambdaContext());
    expect(result.batchItemFailures).toEqual([]);
  } finally {
    capture.stop();
  }
  const lines = capture
    .text()
    .split('\n')
    .filter((line) => parseJsonLines(line)[0]?.message === 'push attempt');
  expect(lines).toHaveLength(1);
  return lines[0] as string;
}

/** A user with one device of `platform` (deviceId a UUID, as the apps send it) and its token. */
async function seed(platform: 'ios' | 'android'): Promise<{ userId: string; token: string }> {
  const userId = randomUUID();
  const repository = new DynamoDeviceRepository({
    client: documentClientOf(harness.dynamo),
    tableName: harness.tables.devices,
  });
  const common = { userId, deviceId: randomUUID().toUpperCase(), bundleId: DEV_BUNDLE_ID, now: new Date() };
  const token =
    platform === 'android'
      ? `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(105).toString('base64url')}`
      : randomBytes(32).toString('hex');
  await repository.register(
    platform === 'android'
      ? { ...common, platform, fcmToken: token }
      : { ...common, environment: 'sandbox', voipToken: token },
  );
  return { userId, token };
}

describe('the push attempt line of a push accepted on the first attempt', () => {
  it.each(['ios', 'android'] as const)(
    `carries the contract's fields and nothing else, within ${MAX_LINE_BYTES} bytes (%s)`,
    async (platform) => {
      const { userId, token } = await seed(platform);
      const line = await successLine(userId);
      const record = parseJsonLines(line)[0] ?? {};
      expect(Object.keys(record).sort()).toEqual(
        [...POWERTOOLS_KEYS, ...CONTRACT_FIELDS[platform], ...CONTRACT_FIELDS.both].sort(),
      );
      expect(record).toMatchObject({
        level: 'INFO',
        service: 'voip-push-sender',
        platform,
        bundleId: DEV_BUNDLE_ID,
        pushType: 'voip',
        statusCode: 200,
        attempt: 1,
        outcome: 'delivered',
        tokenHash: expect.stringMatching(/^[0-9a-f]{12}$/),
      });
      if (platform === 'ios') expect(record.apnsId).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
      else expect(record.messageId).toMatch(/^projects\/voip-push-dev\/messages\/.+/);
      for (const key of ['queueDelayMs', 'apnsLatencyMs', 'deliveryLatencyMs'])
        expect(Number.isInteger(record[key])).toBe(true);
      expect(line).not.toContain(token);
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_LINE_BYTES);
    },
  );
});

import { randomBytes } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { loadReceiptsConfig } from '../../functions/receipts/config';
import { createReceiptsHandler } from '../../functions/receipts/create-handler';
import { RECEIPTS_ROUTE_KEY } from '../../functions/receipts/routes';
import { buildReceiptsDeps } from '../../functions/receipts/wiring';
import { loadRegisterConfig } from '../../functions/register/config';
import { createRegisterHandler } from '../../functions/register/create-handler';
import { buildRegisterDeps } from '../../functions/register/wiring';
import { loadSenderConfig } from '../../functions/sender/config';
import { createSenderHandler, type SenderHandler } from '../../functions/sender/create-handler';
import { buildSenderDeps, type SenderDeps } from '../../functions/sender/wiring';
import { DEV_BUNDLE_ID, devKeyPaths, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import {
  type AwsRequestRecord,
  AwsRequestRecorder,
  recordAwsRequests,
  resourcesOf,
  serviceOf,
} from '../../local/aws-request-recorder';
import { devFcmCredential, devFcmKeyPaths } from '../../local/fcm-simulator/dev-credentials';
import { createLogger, loggerSink } from '../../shared/adapters/powertools-log';
import { EnvName } from '../../shared/platform/env-names';
import { ServiceName } from '../../shared/platform/metric-names';
import { synthApp } from '../infra/synth-app';
import { aCallBody } from '../kit/call-events';
import { anHttpApiEvent, type HttpApiCall } from '../kit/http-api';
import { aLambdaContext } from '../kit/lambda';
import { FAST_FAN_OUT, SenderHarness } from '../reliability/sender-harness';
import { drain } from '../reliability/sqs-poller';
import {
  type FunctionPolicy,
  grantsOf,
  grantUsed,
  type IamRequest,
  iamRequestsOf,
  isAllowed,
  labelOf,
  localToTemplate,
  TemplateResolver,
} from '../support/iam-policy';

/**
 * Deploy parity for IAM: each function runs for real (its own config loader and composition root, over
 * DynamoDB Local, fauxqs and the APNs/FCM simulators; Secrets Manager mocked) through its flows while
 * every SDK request is recorded. Each request, as IAM authorizes it, must be allowed by THAT function's
 * policy in the synthesized templates; every grant no run used must be on the reviewed list below.
 */

const CONFIG = {
  stage: 'staging',
  apps: [
    { bundleId: DEV_BUNDLE_ID, environments: ['sandbox', 'production'] },
    { platform: 'android', bundleId: DEV_BUNDLE_ID },
  ],
  jwtIssuer: 'https://issuer.example.org/',
  jwtAudience: ['ios'],
  senderPrincipals: ['123456789012'],
};

/** The APNs secret as the sender reads it in AWS (a local id; the env variable maps it to the template's secret). */
const SECRET_ID = `arn:aws:secretsmanager:us-east-1:000000000000:secret:voip-push/staging/apns/${DEV_BUNDLE_ID}`;
/** The Android package's FCM secret, the same way. */
const FCM_SECRET_ID = `arn:aws:secretsmanager:us-east-1:000000000000:secret:voip-push/staging/fcm/${DEV_BUNDLE_ID}`;

const SERVICES = [ServiceName.register, ServiceName.receipts, ServiceName.sender] as const;
type Service = (typeof SERVICES)[number];

const LAMBDA_LOGS = 'Lambda itself writes the function’s log group with the function’s role';
const EVENT_SOURCE = 'the SQS event source mapping polls the call queue with the function’s role';
/** Unused grants the infra could drop (reported, not changed here): reviewed so that a new one fails. */
const BIND_TABLE = 'unused: the readWrite/read level of bindTable grants it; a narrower level would do';
const NO_CONDITION_CHECK = 'unused: no adapter sends a ConditionCheck; bindTable’s readWrite grants it';
const SEND_GRANT = 'unused: grantSendMessages bundles it; the sender sends by DLQ_URL and asks nothing';
const CONSUME_GRANT = 'unused: grantConsumeMessages bundles it; the event source mapping needs no queue URL';
const STRICT_MODE = 'strict mode (RETRY_AMBIGUOUS_PUSHES=false) reads the record of a refused lease claim';
const STRICT_LEASE = 'strict mode (RETRY_AMBIGUOUS_PUSHES=false) claims and completes a lease per device';

/**
 * Granted, and no run of this test sends it: each with why it stays. Keys are `action on resource` (the
 * resource's logical id without the CDK hash).
 */
const REVIEWED_UNUSED: Readonly<Record<Service, Readonly<Record<string, string>>>> = {
  [ServiceName.register]: {
    'logs:CreateLogStream on RegisterLogs': LAMBDA_LOGS,
    'logs:PutLogEvents on RegisterLogs': LAMBDA_LOGS,
    'dynamodb:ConditionCheckItem on TablesDevices': NO_CONDITION_CHECK,
  },
  [ServiceName.receipts]: {
    'logs:CreateLogStream on ReceiptsLogs': LAMBDA_LOGS,
    'logs:PutLogEvents on ReceiptsLogs': LAMBDA_LOGS,
    'dynamodb:Query on TablesDevices': BIND_TABLE,
    'dynamodb:PutItem on TablesDeliveries': BIND_TABLE,
    'dynamodb:DeleteItem on TablesDeliveries': BIND_TABLE,
    'dynamodb:ConditionCheckItem on TablesDeliveries': NO_CONDITION_CHECK,
  },
  [ServiceName.sender]: {
    'logs:CreateLogStream on SenderLogs': LAMBDA_LOGS,
    'logs:PutLogEvents on SenderLogs': LAMBDA_LOGS,
    'sqs:ReceiveMessage on CallQueue': EVENT_SOURCE,
    'sqs:DeleteMessage on CallQueue': EVENT_SOURCE,
    'sqs:GetQueueAttributes on CallQueue': EVENT_SOURCE,
    'sqs:GetQueueUrl on CallQueue': CONSUME_GRANT,
    'sqs:GetQueueAttributes on CallQueueDeadLetterQueue': SEND_GRANT,
    'sqs:GetQueueUrl on CallQueueDeadLetterQueue': SEND_GRANT,
    'dynamodb:GetItem on TablesDeliveries': STRICT_MODE,
    'dynamodb:UpdateItem on TablesDeliveries': STRICT_LEASE,
    'dynamodb:DeleteItem on TablesDeliveries': BIND_TABLE,
    'dynamodb:ConditionCheckItem on TablesDeliveries': NO_CONDITION_CHECK,
  },
};

const records = new Map<Service, AwsRequestRecord[]>(SERVICES.map((s) => [s, []]));
const localEnvs = new Map<Service, Record<string, string | undefined>[]>(SERVICES.map((s) => [s, []]));
const secretsMock = mockClient(SecretsManagerClient);
let harness: SenderHarness;
let policies: Map<Service, FunctionPolicy>;
const senders: SenderDeps[] = [];

/** Runs `work` with every SDK request it sends recorded as `service`'s. One function at a time. */
async function as<T>(service: Service, work: () => Promise<T>): Promise<T> {
  const recorder = new AwsRequestRecorder();
  const stop = recordAwsRequests(recorder);
  try {
    return await work();
  } finally {
    stop();
    records.get(service)?.push(...recorder.records);
  }
}

/** The env the function's config loader reads, remembered to pair local names with the template's. */
function envOf(service: Service, env: Record<string, string | undefined>) {
  localEnvs.get(service)?.push(env);
  return env;
}

const log = (service: string) => createLogger(service, 'CRITICAL');

function registerHandler() {
  const env = envOf(ServiceName.register, {
    [EnvName.devicesTable]: harness.tables.devices,
    [EnvName.maxDevicesPerUser]: '2',
  });
  const handler = createRegisterHandler(
    buildRegisterDeps(loadRegisterConfig(env), {
      logger: log(ServiceName.register),
      dynamoClient: harness.dynamo,
    }),
  );
  return (call: HttpApiCall) =>
    as(ServiceName.register, async () => {
      const result = await handler(anHttpApiEvent(call), aLambdaContext());
      return result as APIGatewayProxyStructuredResultV2;
    });
}

function receiptsHandler() {
  const env = envOf(ServiceName.receipts, {
    [EnvName.devicesTable]: harness.tables.devices,
    [EnvName.deliveriesTable]: harness.tables.deliveries,
  });
  const handler = createReceiptsHandler(
    buildReceiptsDeps(loadReceiptsConfig(env), {
      logger: log(ServiceName.receipts),
      dynamoClient: harness.dynamo,
    }),
  );
  return (call: HttpApiCall) =>
    as(ServiceName.receipts, async () => {
      const result = await handler(anHttpApiEvent(call), aLambdaContext());
      return result as APIGatewayProxyStructuredResultV2;
    });
}

/** The sender as deployed (DLQ_URL, CALL_QUEUE_URL) over the harness; `credentials` picks files or Secrets Manager. */
function senderHandler(credentials: 'files' | 'secrets'): SenderHandler {
  const h = harness;
  const env = envOf(ServiceName.sender, {
    [EnvName.devicesTable]: h.tables.devices,
    [EnvName.deliveriesTable]: h.tables.deliveries,
    [EnvName.dlqUrl]: h.dlqUrl,
    [EnvName.callQueueUrl]: h.queueUrl,
    [EnvName.apnsEndpoint]: h.simulator.url,
    [EnvName.apnsCaFile]: devKeyPaths.caCertificate,
    [EnvName.fcmEndpoint]: h.fcmSimulator.url,
    [EnvName.fcmCaFile]: devFcmKeyPaths.caCertificate,
    ...(credentials === 'secrets'
      ? { [EnvName.apnsSecretArns]: SECRET_ID, [EnvName.fcmSecretArns]: FCM_SECRET_ID }
      : {
          [EnvName.apnsCredentialsFile]: h.credentialsFile,
          [EnvName.fcmCredentialsFile]: h.fcmCredentialsFile,
        }),
  });
  const deps = buildSenderDeps(loadSenderConfig(env), {
    log: loggerSink(log(ServiceName.sender)),
    dynamoClient: h.dynamo,
    sqsClient: h.sqs,
    fanOut: FAST_FAN_OUT,
  });
  senders.push(deps);
  const handler = createSenderHandler({ ...deps, deadlineMarginMs: 1000 });
  return (event, context) => as(ServiceName.sender, () => handler(event, context));
}

/** Publishes `bodies` and feeds them to `handler` until the queue is empty (queue calls unrecorded). */
async function deliver(handler: SenderHandler, bodies: readonly string[], timeoutMs = 10_000) {
  for (const body of bodies)
    await harness.sqs.send(new SendMessageCommand({ QueueUrl: harness.queueUrl, MessageBody: body }));
  await drain({ sqs: harness.sqs, queueUrl: harness.queueUrl, handler, maxMs: 15_000, timeoutMs });
}

const voipToken = () => randomBytes(32).toString('hex');
const fcmToken = () =>
  `${randomBytes(8).toString('base64url')}:APA91b${randomBytes(105).toString('base64url')}`;
const iphone = (token: string) => ({ bundleId: DEV_BUNDLE_ID, environment: 'sandbox', voipToken: token });
const pixel = (token: string) => ({ platform: 'android', bundleId: DEV_BUNDLE_ID, fcmToken: token });
const put = (sub: string, deviceId: string, body: object): HttpApiCall => ({
  method: 'PUT',
  path: `/v1/devices/${deviceId}`,
  routeKey: 'PUT /v1/devices/{deviceId}',
  pathParameters: { deviceId },
  body,
  sub,
});

/** Every recorded request of `service` as IAM authorizes it, on symbolic template resources. */
function iamRequests(service: Service): IamRequest[] {
  const policy = policies.get(service) as FunctionPolicy;
  const names = new Map(
    (localEnvs.get(service) ?? []).flatMap((env) => [...localToTemplate(env, policy.env)]),
  );
  const sent = [...(records.get(service) ?? []), ...(service === ServiceName.sender ? mockedRecords() : [])];
  return sent.flatMap((r) => iamRequestsOf(r, names));
}

/** The Secrets Manager requests the mock answered, as the recorder would have recorded them. */
function mockedRecords(): AwsRequestRecord[] {
  return secretsMock.calls().map((call) => {
    const command = call.args[0] as unknown as {
      constructor: { name: string };
      input: Record<string, unknown>;
    };
    return {
      service: serviceOf(SecretsManagerClient.name),
      action: command.constructor.name.replace(/Command$/, ''),
      resources: resourcesOf(command.input),
      entries: 1,
      durationMs: 0,
    };
  });
}

beforeAll(async () => {
  const app = synthApp(CONFIG);
  const resolver = new TemplateResolver(app.statelessTemplate, app.statefulTemplate);
  policies = new Map(SERVICES.map((s) => [s, resolver.functionPolicy(s)]));
  harness = await SenderHarness.start({ name: 'iam-coverage', visibilityTimeoutSeconds: 1 });
  secretsMock.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({
    ARN: SECRET_ID,
    SecretString: JSON.stringify(devTokenCredential()),
  });
  secretsMock.on(GetSecretValueCommand, { SecretId: FCM_SECRET_ID }).resolves({
    ARN: FCM_SECRET_ID,
    SecretString: JSON.stringify(devFcmCredential(harness.fcmSimulator.tokenUrl)),
  });

  const register = registerHandler();
  const receipts = receiptsHandler();
  const [iosToken, androidToken, movedToken, goneIos, goneAndroid] = [
    voipToken(),
    fcmToken(),
    voipToken(),
    voipToken(),
    fcmToken(),
  ];
  // register: new devices, a token moving to another user, an eviction over the cap of 2, GET, DELETE.
  const responses = [
    await register(put('ada', 'ada-iphone', { ...iphone(iosToken), alertToken: 'ab'.repeat(32) })),
    await register(put('ada', 'ada-pixel', pixel(androidToken))),
    await register(put('bob', 'bob-old', iphone(movedToken))),
    await register(put('dan', 'dan-phone', iphone(movedToken))),
    await register(put('dan', 'dan-tablet', iphone(voipToken()))),
    await register(put('dan', 'dan-watch', iphone(voipToken()))),
    await register(put('cy', 'cy-iphone', iphone(goneIos))),
    await register(put('cy', 'cy-pixel', pixel(goneAndroid))),
    await register({ method: 'GET', path: '/v1/devices', routeKey: 'GET /v1/devices', sub: 'dan' }),
    await register({
      method: 'DELETE',
      path: '/v1/devices/bob-old',
      routeKey: 'DELETE /v1/devices/{deviceId}',
      pathParameters: { deviceId: 'bob-old' },
      sub: 'bob',
    }),
  ];
  expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 204]);
  const listed = JSON.parse(String(responses[8]?.body)) as { devices: Array<{ deviceId: string }> };
  expect(listed.devices.map((d) => d.deviceId).sort()).toEqual(['dan-tablet', 'dan-watch']);

  // sender from files: a call to iPhone + Android, a missed call, two dead tokens, an invalid event.
  const sender = senderHandler('files');
  harness.simulator.unregisterToken(goneIos);
  harness.fcmSimulator.unregisterToken(goneAndroid);
  await deliver(sender, [
    aCallBody({ callId: 'iam-call', recipients: ['ada'] }),
    aCallBody({ callId: 'iam-missed', type: 'missed_call', recipients: ['ada'] }),
    aCallBody({ callId: 'iam-gone', recipients: ['cy'] }),
    JSON.stringify({ version: 1, type: 'incoming_call' }),
  ]);
  // APNs answering 503 until the invocation's deadline: the device is deferred, the record comes back soon.
  harness.simulator.setFaults([{ kind: 'answer', status: 503, reason: 'ServiceUnavailable', count: 8 }]);
  await deliver(sender, [aCallBody({ callId: 'iam-deferred', recipients: ['ada'] })], 1500);
  harness.simulator.setFaults([]);

  // sender with its credentials from Secrets Manager, as deployed: an APNs and an FCM secret.
  await deliver(senderHandler('secrets'), [aCallBody({ callId: 'iam-secret', recipients: ['ada'] })]);

  // receipts: the app reports the call's push, then repeats the receipt (refused write, then a read).
  const push = harness.simulator.pushes().find((p) => p.token === iosToken);
  const receipt: HttpApiCall = {
    method: 'POST',
    path: '/v1/calls/iam-call/receipts',
    routeKey: RECEIPTS_ROUTE_KEY,
    pathParameters: { callId: 'iam-call' },
    body: { deviceId: 'ada-iphone', apnsId: push?.headers['apns-id'], stage: 'received' },
    sub: 'ada',
  };
  expect([(await receipts(receipt)).statusCode, (await receipts(receipt)).statusCode]).toEqual([200, 200]);
}, 55_000);

afterAll(async () => {
  await Promise.all(senders.map((s) => s.close()));
  await harness?.close();
  secretsMock.restore();
});

describe('IAM coverage of what each function sends', () => {
  it('ran the flows for real: pushes to both platforms, prunes, a dead letter, a redelivery, a secret read', async () => {
    const actions = (s: Service) => new Set(records.get(s)?.map((r) => `${r.service}:${r.action}`));
    expect(harness.simulator.stats().answers['410 Unregistered']).toBeGreaterThanOrEqual(1);
    expect(harness.fcmSimulator.messages().length).toBeGreaterThanOrEqual(1);
    expect((await harness.deadLetters()).map((l) => l.reason)).toHaveLength(1);
    // Metrics leave as EMF log lines: no function calls CloudWatch.
    expect([...records.values()].flat().filter((r) => r.service === 'cloudwatch')).toEqual([]);
    expect(actions(ServiceName.sender)).toEqual(
      new Set([
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:GetItem',
        'dynamodb:TransactWriteItems',
        'sqs:SendMessage',
        'sqs:ChangeMessageVisibility',
      ]),
    );
    // aws-sdk-client-mock replaces `send` on SecretsManagerClient itself, so the recorder (on the SDK's
    // shared `send`) never sees those requests: the mock's call log stands in for them (mockedRecords).
    expect(records.get(ServiceName.sender)?.some((r) => r.service === 'secretsmanager')).toBe(false);
    expect(mockedRecords().map((r) => `${r.action} ${r.resources.join()}`)).toEqual([
      `GetSecretValue ${SECRET_ID}`,
      `GetSecretValue ${FCM_SECRET_ID}`,
    ]);
    // The secrets sender rang the Android phone with the FCM secret's credential.
    expect(
      harness.fcmSimulator
        .messages()
        .filter((m) => (m.message.data as { callId?: string } | undefined)?.callId === 'iam-secret'),
    ).toHaveLength(1);
  });

  it.each(SERVICES)(
    'allows every request %s sent in its own policy, and nothing of it falls outside',
    (service) => {
      const policy = policies.get(service) as FunctionPolicy;
      const requests = iamRequests(service);
      expect(requests.length).toBeGreaterThan(0);
      const used = [...new Set(requests.map((r) => `${r.action} on ${labelOf(r.resource)}`))].sort();
      console.log(`${service} used:\n  ${used.join('\n  ')}`);
      const denied = requests.filter((r) => !isAllowed(policy.statements, r));
      expect({ service, denied: [...new Set(denied.map((r) => `${r.action} on ${r.resource}`))] }).toEqual({
        service,
        denied: [],
      });
    },
  );

  it.each(SERVICES)('grants %s nothing unused but the reviewed list', (service) => {
    const requests = iamRequests(service);
    const unused = grantsOf(policies.get(service)?.statements ?? [])
      .filter(({ grant }) => !grantUsed(grant, requests))
      .map(({ key }) => key);
    expect({ service, unused: [...new Set(unused)].sort() }).toEqual({
      service,
      unused: Object.keys(REVIEWED_UNUSED[service]).sort(),
    });
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Template } from 'aws-cdk-lib/assertions';
import type { AwsRequestRecord } from '../../local/aws-request-recorder';
import { deployedFunctions } from '../../local/functions/build';
import { localApps } from '../../local/functions/local-apps';
import type { FunctionName, FunctionsManifest } from '../../local/functions/manifest';
import { mintDevToken } from '../../local/jwt';
import { DEFAULT_TABLE_NAMES, type LocalStack, startLocalStack } from '../../local/stack';
import { ServiceName } from '../../shared/platform/metric-names';
import { aCallBody } from '../kit/call-events';
import { fcmToken } from '../kit/device-repository-contract';
import { iamRequestsOf, isAllowed, labelOf, localToTemplate, TemplateResolver } from '../support/iam-policy';
import { freeStackPorts, stackSqsClient } from '../support/local-stack';

/**
 * IAM against what the deployed bundles send. Each function runs from its bundle in the local stack;
 * every AWS request leaves its execution environment through local/aws-wire-recorder.mjs, which reports
 * it (the bundle's own SDK is out of the in-process recorder's reach, iam-coverage.test.ts). Each must be
 * allowed by that function's policy in the very templates the bundles were synthesized with.
 */
const FUNCTIONS: readonly FunctionName[] = ['register', 'receipts', 'sender'];
const records = new Map<FunctionName, AwsRequestRecord[]>(FUNCTIONS.map((name) => [name, []]));
let manifest: FunctionsManifest;
let stack: LocalStack;

const user = 'iam-ada';
const iphone = 'a1'.repeat(32);
const gone = 'a2'.repeat(32);
const pixel = fcmToken(11);

async function api(method: string, route: string, body?: unknown) {
  const answer = await fetch(`${stack.info.apiUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${await mintDevToken(user)}`, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return answer.status;
}

async function until(done: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

beforeAll(async () => {
  manifest = await deployedFunctions(localApps({}));
  stack = await startLocalStack({
    ...(await freeStackPorts()),
    dataDir: null,
    console: false,
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', PHONE_RECEIPT_DELAY_MS: '10' },
    onAwsRequest: (name, record) => records.get(name)?.push(record),
  });
  const ios = (deviceId: string, voipToken: string) =>
    api('PUT', `/v1/devices/${deviceId}`, {
      bundleId: 'com.example.voip',
      environment: 'sandbox',
      voipToken,
    });
  expect(await ios('iam-iphone', iphone)).toBe(200);
  expect(await ios('iam-gone', gone)).toBe(200);
  expect(
    await api('PUT', '/v1/devices/iam-pixel', {
      platform: 'android',
      bundleId: 'com.example.voip',
      fcmToken: pixel,
    }),
  ).toBe(200);
  expect(await api('GET', '/v1/devices')).toBe(200);
  // The uninstalled app's token: APNs answers 410 and the sender prunes the device.
  await fetch(`${stack.apnsControlUrl}/tokens/${gone}/unregister`, { method: 'POST', body: '{}' });

  const sqs = stackSqsClient(stack.info);
  const createdAt = new Date().toISOString();
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: stack.info.queueUrl,
      MessageBody: aCallBody({ callId: 'iam-call', recipients: [user], createdAt, ringTimeoutSeconds: 30 }),
    }),
  );
  await sqs.send(new SendMessageCommand({ QueueUrl: stack.info.queueUrl, MessageBody: '{"not":"a call"' }));
  sqs.destroy();
  const phones = stack.phones;
  if (!phones) throw new Error('no phones');
  await until(
    () => phones.receipts.filter((r) => r.callId === 'iam-call' && r.statusCode === 200).length >= 2,
  );
  await until(() => records.get('sender')?.some((r) => r.action === 'SendMessage') ?? false);
  expect(await api('DELETE', '/v1/devices/iam-pixel')).toBe(204);
  await stack.stop();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

function template(name: 'Stateful' | 'Stateless'): Template {
  const assembly = path.dirname(manifest.functions.sender.taskRoot);
  const file = path.join(assembly, `VoipPush-dev-${name}.template.json`);
  return Template.fromJSON(JSON.parse(readFileSync(file, 'utf8')));
}

describe('IAM coverage of what the deployed bundles send', () => {
  it('recorded the flows on the wire: registrations, a ring with receipts, a prune, a dead letter, the secrets', () => {
    const actions = (name: FunctionName) =>
      [...new Set(records.get(name)?.map((r) => `${r.service}:${r.action}`))].sort();
    expect(actions('sender')).toEqual(
      expect.arrayContaining([
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:TransactWriteItems',
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
      ]),
    );
    expect(
      records
        .get('sender')
        ?.filter((r) => r.service === 'secretsmanager')
        .map((r) => r.resources.join().replace(/-[A-Za-z0-9]{6}$/, '-<suffix>'))
        .sort(),
    ).toEqual([
      'arn:aws:secretsmanager:us-east-1:000000000000:secret:voip-push/dev/apns/com.example.voip-<suffix>',
      'arn:aws:secretsmanager:us-east-1:000000000000:secret:voip-push/dev/fcm/com.example.voip-<suffix>',
    ]);
    expect(actions('register').length).toBeGreaterThan(0);
    expect(actions('receipts')).toContain('dynamodb:UpdateItem');
  });

  /**
   * The requests `name` sent, its local names mapped by its own template environment, that the policy of
   * `policyOf` does not allow, as `action on resource`.
   */
  function denied(name: FunctionName, policyOf: FunctionName = name): string[] {
    const resolver = new TemplateResolver(template('Stateless'), template('Stateful'));
    const own = resolver.functionPolicy(ServiceName[name]);
    const statements = resolver.functionPolicy(ServiceName[policyOf]).statements;
    const sent = records.get(name) ?? [];
    const secret = (segment: string) =>
      sent.flatMap((r) => r.resources).find((resource) => resource.includes(`/${segment}/`));
    const localEnv = {
      DEVICES_TABLE_NAME: DEFAULT_TABLE_NAMES.devices,
      DELIVERIES_TABLE_NAME: DEFAULT_TABLE_NAMES.deliveries,
      CALL_QUEUE_URL: stack.info.queueUrl,
      DLQ_URL: stack.info.dlqUrl,
      APNS_SECRET_ARNS: secret('apns'),
      FCM_SECRET_ARNS: secret('fcm'),
    };
    const names = localToTemplate(localEnv, own.env);
    const requests = sent.flatMap((record) => iamRequestsOf(record, names));
    expect(requests.length).toBeGreaterThan(0);
    const refused = requests.filter((request) => !isAllowed(statements, request));
    return [...new Set(refused.map((r) => `${r.action} on ${labelOf(r.resource)}`))].sort();
  }

  it.each(FUNCTIONS)("allows every request %s's bundle sent in its own policy", (name) => {
    expect({ name, denied: denied(name) }).toEqual({ name, denied: [] });
  });

  it("denies the sender's requests under the register function's policy (the check can fail)", () => {
    expect(denied('sender', 'register')).toEqual(
      expect.arrayContaining([
        'dynamodb:PutItem on TablesDeliveries',
        'secretsmanager:GetSecretValue on ApnsSecretscomexamplevoip',
        'sqs:SendMessage on CallQueueDeadLetterQueue',
      ]),
    );
  });
});

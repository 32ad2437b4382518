import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { mintDevToken } from '../../local/jwt';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apnsEndpointOverride } from '../../local/stack-wiring';
import { aCallBody } from '../kit/call-events';
import { freeStackPorts, stackDynamoClient, stackSqsClient } from '../support/local-stack';
import { childPids, isAlive } from '../support/processes';

const dataDir = mkdtempSync(join(tmpdir(), 'voip-push-stack-'));
const started: LocalStack[] = [];

afterAll(async () => {
  await Promise.all(started.map((stack) => stack.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

const ports = freeStackPorts;

describe('startLocalStack', () => {
  it('reports every endpoint, creates the tables and the queue with its DLQ when started', async () => {
    const stack = await startLocalStack({ ...(await ports()), dataDir, env: {} });
    started.push(stack);
    const { info } = stack;
    expect(info).toMatchObject({
      apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      region: 'us-east-1',
      sqsEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      dynamodbEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      queueUrl: expect.stringContaining('/voip-push-calls'),
      dlqUrl: expect.stringContaining('/voip-push-calls-dlq'),
      apnsEndpoint: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/),
    });
    const pushes = await fetch(`${stack.apnsControlUrl}/pushes`);
    expect(await pushes.json()).toEqual({ pushes: [], total: 0 });

    const dynamo = stackDynamoClient(info);
    const tables = await dynamo.send(new ListTablesCommand({}));
    expect(tables.TableNames).toEqual(expect.arrayContaining(['voip-push-devices', 'voip-push-deliveries']));
    dynamo.destroy();

    const sqs = stackSqsClient(info);
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: info.queueUrl, AttributeNames: ['All'] }),
    );
    expect(attrs.Attributes?.VisibilityTimeout).toBe('30');
    expect(JSON.parse(attrs.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 3 });
    sqs.destroy();

    const health = await fetch(`${info.apiUrl}/v1/nowhere`);
    expect(health.status).toBe(404);
    await stack.stop();
  }, 90_000);

  it('rings a registered device through the simulator and takes its receipt when an incoming call is queued', async () => {
    const stack = await startLocalStack({
      ...(await ports()),
      dataDir: null,
      env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
    });
    started.push(stack);
    const { info } = stack;
    const voipToken = 'b7'.repeat(32);
    const put = await fetch(`${info.apiUrl}/v1/devices/e2e-phone`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${await mintDevToken('e2e-user')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ bundleId: 'com.example.voip', environment: 'sandbox', voipToken }),
    });
    expect(put.status).toBe(200);

    const sqs = stackSqsClient(info);
    const createdAt = new Date().toISOString();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: info.queueUrl,
        MessageBody: aCallBody({
          callId: 'c-e2e-1',
          recipients: ['e2e-user'],
          caller: { id: 'user-9', displayName: 'Ada', handle: '+15550100' },
          createdAt,
          ringTimeoutSeconds: 30,
        }),
      }),
    );
    sqs.destroy();

    let pushes: Array<{ token: string; headers: Record<string, string>; payload: { callId?: string } }> = [];
    const deadline = Date.now() + 20_000;
    while (pushes.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      pushes = (
        (await (await fetch(`${stack.apnsControlUrl}/pushes?token=${voipToken}`)).json()) as {
          pushes: typeof pushes;
        }
      ).pushes;
    }
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.headers).toMatchObject({
      'apns-push-type': 'voip',
      'apns-priority': '10',
      'apns-topic': 'com.example.voip.voip',
    });
    expect(pushes[0]?.payload.callId).toBe('c-e2e-1');

    const receipt = await fetch(`${info.apiUrl}/v1/calls/c-e2e-1/receipts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await mintDevToken('e2e-user')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        deviceId: 'e2e-phone',
        apnsId: pushes[0]?.headers['apns-id'],
        stage: 'received',
      }),
    });
    expect(receipt.status).toBe(200);
    await stack.stop();
  }, 90_000);

  it('leaves no child process and starts again on the same ports and data when stopped', async () => {
    const before = childPids();
    const fixed = await ports();
    const first = await startLocalStack({ ...fixed, dataDir, env: {} });
    started.push(first);
    const during = childPids().filter((pid) => !before.includes(pid));
    expect(during.length).toBeGreaterThan(0); // DynamoDB Local's java process
    await first.stop();
    expect(during.filter(isAlive)).toEqual([]);
    expect(childPids().filter((pid) => !before.includes(pid))).toEqual([]);

    const second = await startLocalStack({ ...fixed, dataDir, env: {} });
    started.push(second);
    expect(second.info).toEqual(first.info);
    const dynamo = stackDynamoClient(second.info);
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toContain('voip-push-devices');
    dynamo.destroy();
    await second.stop();
    expect(childPids().filter((pid) => !before.includes(pid))).toEqual([]);
  }, 120_000);

  it('sends to Apple or to the given URL instead of the simulator when APNS_ENDPOINT is set', () => {
    expect(apnsEndpointOverride({ APNS_ENDPOINT: 'sandbox' })).toBe('https://api.sandbox.push.apple.com');
    expect(apnsEndpointOverride({ APNS_ENDPOINT: 'production' })).toBe('https://api.push.apple.com');
    expect(apnsEndpointOverride({ APNS_ENDPOINT: 'https://127.0.0.1:9443/' })).toBe('https://127.0.0.1:9443');
    expect(apnsEndpointOverride({})).toBeUndefined();
    expect(() => apnsEndpointOverride({ APNS_ENDPOINT: 'nope' })).toThrow(/APNS_ENDPOINT/);
  });
});

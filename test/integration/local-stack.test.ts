import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../local/services/free-port';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { apnsEndpointOverride } from '../../local/stack-wiring';
import { stackDynamoClient, stackSqsClient } from '../support/local-stack';
import { childPids, isAlive } from '../support/processes';

const dataDir = mkdtempSync(join(tmpdir(), 'voip-push-stack-'));
const started: LocalStack[] = [];

afterAll(async () => {
  await Promise.all(started.map((stack) => stack.stop()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function ports() {
  return {
    apiPort: await freePort(),
    dynamodbPort: await freePort(),
    sqsPort: await freePort(),
    apnsPort: await freePort(),
  };
}

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
    expect(await pushes.json()).toEqual({ pushes: [] });

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

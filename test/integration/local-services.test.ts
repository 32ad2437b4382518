import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from '@jest/globals';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import { startLocalSqs } from '../../local/services/fauxqs';
import { isLoopback, listeningAddresses } from '../support/listening';
import { createTestQueues, createTestTables, testDynamoClient, testSqsClient } from '../support/local-aws';

const portOf = (endpoint: string | undefined) => Number(new URL(endpoint ?? 'http://x').port);

describe('local services', () => {
  it('creates tables with TTL enabled when DynamoDB Local runs', async () => {
    const client = testDynamoClient();
    const names = await createTestTables(client);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: names.devices }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
    client.destroy();
  });

  it('round-trips a message when fauxqs runs', async () => {
    const sqs = testSqsClient();
    const { queueUrl } = await createTestQueues(sqs);
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"hello":1}' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
    expect(got.Messages?.[0]?.Body).toBe('{"hello":1}');
    sqs.destroy();
  });

  it('listens on loopback only when DynamoDB Local and fauxqs run', () => {
    for (const endpoint of [process.env.TEST_DYNAMODB_ENDPOINT, process.env.TEST_SQS_ENDPOINT]) {
      const addresses = listeningAddresses(portOf(endpoint));
      expect(addresses.length).toBeGreaterThan(0);
      expect(addresses.filter((address) => !isLoopback(address))).toEqual([]);
    }
  });

  it('keeps queued messages when fauxqs restarts on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'voip-push-sqs-'));
    const clientOf = (endpoint: string) =>
      new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    try {
      const first = await startLocalSqs({ dataDir });
      const before = clientOf(first.endpoint);
      const { QueueUrl } = await before.send(new CreateQueueCommand({ QueueName: 'kept-across-restart' }));
      await before.send(new SendMessageCommand({ QueueUrl, MessageBody: 'still here' }));
      before.destroy();
      await first.stop();

      const second = await startLocalSqs({ dataDir });
      const after = clientOf(second.endpoint);
      const got = await after.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
      after.destroy();
      await second.stop();
      expect(got.Messages?.map((message) => message.Body)).toEqual(['still here']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

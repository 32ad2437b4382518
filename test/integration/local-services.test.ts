import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from '@jest/globals';
import { createTestQueues, createTestTables, testDynamoClient, testSqsClient } from '../support/local-aws';

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
});

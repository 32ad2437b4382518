import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { AwsRequestRecorder, recordAwsRequests, serviceOf } from '../../local/aws-request-recorder';
import {
  createTestQueues,
  createTestTables,
  testDocumentClient,
  testDynamoClient,
  testSqsClient,
} from '../support/local-aws';

const dynamo = testDynamoClient();
const doc = testDocumentClient(dynamo);
const sqs = testSqsClient();
let table: string;
let queueUrl: string;
let stop: (() => void) | undefined;

beforeAll(async () => {
  table = (await createTestTables(dynamo)).deliveries;
  ({ queueUrl } = await createTestQueues(sqs));
});
afterEach(() => stop?.());
afterAll(() => {
  dynamo.destroy();
  sqs.destroy();
});

describe('AwsRequestRecorder', () => {
  it('records DynamoDB actions with their table and the write and read units DynamoDB Local counted', async () => {
    const recorder = new AwsRequestRecorder({ returnConsumedCapacity: true });
    stop = recordAwsRequests(recorder);
    await doc.send(new PutCommand({ TableName: table, Item: { pk: 'CALL#r1', sk: 'A', n: 1 } }));
    await doc.send(new GetCommand({ TableName: table, Key: { pk: 'CALL#r1', sk: 'A' } }));
    await doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { pk: 'CALL#r1', sk: 'B' } } },
          { Put: { TableName: table, Item: { pk: 'CALL#r1', sk: 'C' } } },
        ],
      }),
    );
    expect(recorder.records.map((r) => `${r.service}:${r.action}`)).toEqual([
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:TransactWriteItems',
    ]);
    expect(recorder.records.every((r) => r.resources.length === 1 && r.resources[0] === table)).toBe(true);
    expect(recorder.records[0]?.consumed).toEqual({ read: 0, write: 1 });
    expect(recorder.records[1]?.consumed).toEqual({ read: 0.5, write: 0 });
    // DynamoDB bills a transaction two write units per item (DynamoDB Local reports one).
    expect(recorder.records[2]?.consumed).toEqual({ read: 0, write: 4 });
    expect(recorder.records[2]?.entries).toBe(2);
    expect(recorder.consumedUnits()).toEqual({ read: 0.5, write: 5 });
  });

  it('leaves the caller’s input alone and records the error name when a request fails', async () => {
    const recorder = new AwsRequestRecorder({ returnConsumedCapacity: true });
    stop = recordAwsRequests(recorder);
    const input = {
      TableName: table,
      Item: { pk: 'CALL#r2', sk: 'A' },
      ConditionExpression: 'attribute_exists(pk)',
    };
    await expect(doc.send(new PutCommand(input))).rejects.toThrow();
    expect(input).not.toHaveProperty('ReturnConsumedCapacity');
    expect(recorder.records).toHaveLength(1);
    expect(recorder.records[0]?.error).toBe('ConditionalCheckFailedException');
  });

  it('records SQS batch sizes and received messages per queue', async () => {
    const recorder = new AwsRequestRecorder();
    stop = recordAwsRequests(recorder);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: '{}' },
          { Id: 'b', MessageBody: '{}' },
        ],
      }),
    );
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: (got.Messages ?? []).map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
    const [send, receive, del] = recorder.records;
    expect(send).toMatchObject({
      service: 'sqs',
      action: 'SendMessageBatch',
      entries: 2,
      resources: [queueUrl],
    });
    expect(receive).toMatchObject({ action: 'ReceiveMessage', messagesReceived: got.Messages?.length });
    expect(got.Messages?.length).toBeGreaterThan(0);
    expect(del).toMatchObject({ action: 'DeleteMessageBatch', entries: got.Messages?.length });
    expect(recorder.countByAction().get('sqs:SendMessageBatch')).toBe(1);
  });

  it('stops recording when stopped, and names services as IAM does', async () => {
    const recorder = new AwsRequestRecorder();
    recordAwsRequests(recorder)();
    await doc.send(new GetCommand({ TableName: table, Key: { pk: 'CALL#r1', sk: 'A' } }));
    expect(recorder.records).toHaveLength(0);
    expect(serviceOf('SecretsManagerClient')).toBe('secretsmanager');
    expect(serviceOf('CloudWatchClient')).toBe('cloudwatch');
    expect(serviceOf('DynamoDBClient')).toBe('dynamodb');
  });
});

import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import { createTables, type TableNames } from '../../local/services/tables';
import { documentClientOf } from '../../shared/adapters/dynamodb/clients';

function endpoint(name: 'TEST_DYNAMODB_ENDPOINT' | 'TEST_SQS_ENDPOINT'): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`${name} is not set: run the tests through jest (global-setup starts the services)`);
  return value;
}

/** A DynamoDB client for the DynamoDB Local that global-setup started. */
export function testDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: endpoint('TEST_DYNAMODB_ENDPOINT'),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}

export function testDocumentClient(client = testDynamoClient()): DynamoDBDocumentClient {
  return documentClientOf(client);
}

/** Creates fresh tables with unique names, so test files never see each other's items. */
export async function createTestTables(client = testDynamoClient()): Promise<TableNames> {
  const suffix = randomUUID().slice(0, 8);
  const names = { devices: `devices-${suffix}`, deliveries: `deliveries-${suffix}` };
  await createTables(client, names);
  return names;
}

/** An SQS client for the fauxqs emulator that global-setup started. */
export function testSqsClient(): SQSClient {
  return new SQSClient({
    endpoint: endpoint('TEST_SQS_ENDPOINT'),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}

/** Creates a fresh queue and its DLQ (redrive after `maxReceiveCount` receives), as the CDK app does. */
export async function createTestQueues(
  client = testSqsClient(),
  options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const suffix = randomUUID().slice(0, 8);
  const dlq = await client.send(new CreateQueueCommand({ QueueName: `calls-dlq-${suffix}` }));
  const dlqUrl = dlq.QueueUrl as string;
  const attrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
  );
  const queue = await client.send(
    new CreateQueueCommand({
      QueueName: `calls-${suffix}`,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 30),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attrs.Attributes?.QueueArn,
          maxReceiveCount: options.maxReceiveCount ?? 3,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl as string, dlqUrl };
}

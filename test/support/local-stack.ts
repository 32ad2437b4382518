import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS } from '../../local/services/dynamodb-local';
import { freePort } from '../../local/services/free-port';
import type { LocalStackInfo } from '../../local/stack';

/** A DynamoDB client for a stack's DynamoDB Local. */
export function stackDynamoClient(info: LocalStackInfo): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: info.dynamodbEndpoint,
    region: info.region,
    credentials: LOCAL_CREDENTIALS,
  });
}

/** An SQS client for a stack's fauxqs: `endpoint` is required, the queue URLs' host does not resolve. */
export function stackSqsClient(info: LocalStackInfo): SQSClient {
  return new SQSClient({ endpoint: info.sqsEndpoint, region: info.region, credentials: LOCAL_CREDENTIALS });
}

/** Free ports for every listener of a local stack, so tests never take `npm start`'s preferred ones. */
export async function freeStackPorts() {
  return {
    apiPort: await freePort(),
    dynamodbPort: await freePort(),
    sqsPort: await freePort(),
    apnsPort: await freePort(),
    fcmPort: await freePort(),
    // Its own console port too: the default (3030) may be held by another suite's stack, and a stack
    // restarted on "the same ports" must get the same console URL.
    console: { port: await freePort() },
  };
}

/**
 * Runs the real local services for a jest run in their own process (so emulators do not share the
 * test runner's event loop): prints `SERVICES {json}` when ready and stops them on SIGTERM.
 */
import { startDynamoDbLocal } from '../../local/services/dynamodb-local';
import { startLocalSqs } from '../../local/services/fauxqs';

const [dynamo, sqs] = await Promise.all([startDynamoDbLocal(), startLocalSqs()]);
process.stdout.write(
  `SERVICES ${JSON.stringify({ dynamodbEndpoint: dynamo.endpoint, sqsEndpoint: sqs.endpoint })}\n`,
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([dynamo.stop(), sqs.stop()]);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// jest holds our stdin: when it goes away (even killed), so do we.
process.stdin.on('end', stop);
process.stdin.resume();

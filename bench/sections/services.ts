import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/services/dynamodb-local';
import { type LocalSqs, startLocalSqs } from '../../local/services/fauxqs';

export interface Services {
  readonly dynamo: DynamoDbLocal;
  readonly sqs: LocalSqs;
  stop(): Promise<void>;
}

let shared: Promise<Services> | undefined;

/** DynamoDB Local (in memory) and fauxqs, started once for the sections that need them. */
export function services(): Promise<Services> {
  shared ??= (async () => {
    const [dynamo, sqs] = await Promise.all([startDynamoDbLocal(), startLocalSqs()]);
    return {
      dynamo,
      sqs,
      stop: async () => {
        await Promise.allSettled([dynamo.stop(), sqs.stop()]);
      },
    };
  })();
  return shared;
}

export async function stopServices(): Promise<void> {
  if (shared === undefined) return;
  const running = await shared;
  shared = undefined;
  await running.stop();
}

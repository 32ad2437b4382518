import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoClientOptions {
  /** DynamoDB Local's URL (DYNAMODB_ENDPOINT); AWS's regional endpoint when unset. */
  readonly endpoint?: string;
  /**
   * Fail a hanging request after these many ms and let the SDK retry (the sender: a request must not
   * outlive the lease or the ring window). @default the SDK's (none)
   */
  readonly timeouts?: { readonly connectionMs: number; readonly requestMs: number };
}

/** The DynamoDB client of a function, built once per execution environment by its composition root. */
export function createDynamoClient(options: DynamoClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.timeouts
      ? {
          requestHandler: {
            connectionTimeout: options.timeouts.connectionMs,
            requestTimeout: options.timeouts.requestMs,
          },
        }
      : {}),
  });
}

/** The document client every DynamoDB adapter here takes: undefined attributes are left out. */
export function documentClientOf(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

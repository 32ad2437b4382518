/**
 * Types the local stack's modules share without importing one another: the READY info (stack.ts, the
 * console) and what the two function modes need (stack-wiring.ts: source; functions/hosted.ts: bundles).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LogFn } from './api-server';
import type { AwsRequestRecord } from './aws-request-recorder';
import type { FunctionName, FunctionsManifest } from './functions/manifest';
import type { PollerOptions } from './poller';
import type { TableNames } from './services/tables';

/** The environment the local functions see (APNS_ENDPOINT, APNS_CA_FILE, APNS_CREDENTIALS_FILE, ...). */
export type FunctionEnv = Readonly<Record<string, string | undefined>>;

/** What the stack has started by the time the functions are wired. */
export interface StackWiring {
  readonly region: string;
  readonly dynamodbEndpoint: string;
  readonly dynamoClient: DynamoDBClient;
  readonly tableNames: TableNames;
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** Port for the bundled APNs simulator (free when the stack started). */
  readonly apnsPort: number;
  /** Port for the bundled FCM simulator. @default any free port */
  readonly fcmPort?: number;
  readonly env: FunctionEnv;
  readonly log: LogFn;
  /** The deployed functions (bundles and template environments); absent in source mode. */
  readonly deployed?: FunctionsManifest;
  /** Each AWS request a deployed function sends, as it leaves its environment (tests' IAM check). */
  readonly onAwsRequest?: AwsRequestListener;
}

export type AwsRequestListener = (functionName: FunctionName, record: AwsRequestRecord) => void;

/** The sender as the poller calls it, however it runs. */
export interface SenderRun {
  readonly handler: PollerOptions['handler'];
  readonly timeoutMs?: number;
  stop(): Promise<void>;
}

/** What `READY {json}` prints and `.local/stack.json` holds (docs/contracts.md, local stack). */
export interface LocalStackInfo {
  readonly apiUrl: string;
  readonly region: string;
  /** Give SQS clients `endpoint: sqsEndpoint`: the queue URLs' host `sqs.<region>.localhost` does not resolve. */
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly dynamodbEndpoint: string;
  /** Absent until the APNs simulator is wired in, or when APNS_ENDPOINT points elsewhere it names that. */
  readonly apnsEndpoint?: string;
  /** Where Android pushes go: the FCM simulator, or FCM_ENDPOINT. */
  readonly fcmEndpoint?: string;
  /** The local console (local/console), unless started with `console: false`. */
  readonly consoleUrl?: string;
}

/**
 * The single place where the Lambda functions and the push path (APNs simulator, SQS poller, sender)
 * join the local stack. Everything else in `stack.ts` is services and lifecycle.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ApiRoutes, LogFn } from './api-server';
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
  readonly env: FunctionEnv;
  readonly log: LogFn;
}

export interface PushPath {
  /** Where the sender sends: the simulator's URL, or APNS_ENDPOINT. */
  readonly apnsEndpoint?: string;
  stop(): Promise<void>;
}

/** Route key → handler, the routes of the CDK app's HTTP API. */
export async function apiRoutes(_wiring: StackWiring): Promise<ApiRoutes> {
  // WIRE-IN (register, receipts): `createRegisterHandler(deps)` from functions/register/handler.ts for
  // PUT/DELETE /v1/devices/{deviceId} and GET /v1/devices; functions/receipts/handler.ts for
  // POST /v1/calls/{callId}/receipts.
  return {};
}

/** Starts the APNs simulator (unless APNS_ENDPOINT says otherwise) and the poller feeding the sender. */
export async function startPushPath(_wiring: StackWiring): Promise<PushPath> {
  // WIRE-IN (push path): startApnsSimulator(...) from local/apns-simulator/, then
  // startPoller(...) from local/poller.ts with createSenderHandler(deps) from functions/sender/handler.ts.
  return { stop: async () => undefined };
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  type LogRecord,
  type ProcessOutputTap,
  parseLogRecord,
  tapProcessOutput,
} from '../../local/log-lines';
import { LOCAL_CREDENTIALS } from '../../local/services/dynamodb-local';
import { freePort } from '../../local/services/free-port';
import { type LocalStack, type LocalStackInfo, startLocalStack } from '../../local/stack';

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

/** A tap of this process's stdout as `npm start` has one, and every log record seen on it since. */
export interface LogRecordTap extends ProcessOutputTap {
  readonly records: LogRecord[];
}

/**
 * Taps stdout (the functions' and the stack's log lines) as `npm start` does: log records are kept in
 * `records` and not printed, so jest's output stays quiet; other lines pass. `restore()` in afterAll.
 */
export function tapLogRecords(): LogRecordTap {
  const tap = tapProcessOutput((line) => (parseLogRecord(line) ? null : line), ['stdout']);
  const records: LogRecord[] = [];
  tap.lines.subscribe((record) => records.push(record));
  return { ...tap, records };
}

/**
 * A whole stack for one suite: free ports, no data directory, no console, stdout tapped (`tap.records`).
 * `stop()` stops the stack and restores stdout.
 */
export async function startTappedStack(
  env: Record<string, string>,
): Promise<{ readonly stack: LocalStack; readonly records: LogRecord[]; stop(): Promise<void> }> {
  const tap = tapLogRecords();
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ ...(await freeStackPorts()), dataDir: null, console: false, env });
  } catch (error) {
    tap.restore();
    throw error;
  }
  return {
    stack,
    records: tap.records,
    async stop() {
      await stack.stop();
      tap.restore();
    },
  };
}

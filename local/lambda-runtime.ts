import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { Context, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/**
 * What the Lambda runtime hands a handler, built the way it builds them, for every place that runs a
 * function outside Lambda: the local API server and SQS poller, the benchmark and the tests' kit.
 */

export interface LambdaContextOptions {
  /** @default 'voip-push-local' */
  readonly functionName?: string;
  /** What `getRemainingTimeInMillis()` counts down from. @default 30000 */
  readonly timeoutMs?: number;
  /** @default '512' */
  readonly memoryLimitInMB?: string;
  /** @default a fresh UUID */
  readonly awsRequestId?: string;
  /** @default 'local' */
  readonly logStreamName?: string;
  /** The ARN's region. @default 'us-east-1' */
  readonly region?: string;
}

/** A Lambda context whose remaining time counts down from now. */
export function lambdaContext(options: LambdaContextOptions = {}): Context {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const functionName = options.functionName ?? 'voip-push-local';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region ?? 'us-east-1'}:000000000000:function:${functionName}`,
    memoryLimitInMB: options.memoryLimitInMB ?? '512',
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: options.logStreamName ?? 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The queue an SQS record says it came from. */
export interface EventSource {
  readonly arn: string;
  readonly region: string;
}

/** The event source of a queue URL when its ARN is not known (the account id is a placeholder). */
export function eventSourceOf(queueUrl: string, region = 'us-east-1'): EventSource {
  const name = new URL(queueUrl).pathname.split('/').filter(Boolean).pop() ?? 'queue';
  return { arn: `arn:aws:sqs:${region}:000000000000:${name}`, region };
}

/** A received SQS message as the record Lambda's event source mapping passes: same names, string attributes. */
export function toSqsRecord(message: Message, source: EventSource): SQSRecord {
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined
        ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
        : {}),
    };
  }
  const attributes = (message.Attributes ?? {}) as Record<string, string>;
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...attributes,
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: source.arn,
    awsRegion: source.region,
  };
}

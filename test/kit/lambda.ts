import type { Message } from '@aws-sdk/client-sqs';
import type { Context, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { lambdaContext, toSqsRecord } from '../../local/lambda-runtime';

/** A Lambda context with `timeoutMs` left (the local runtime's, as the local stack builds it). */
export function aLambdaContext(timeoutMs = 30_000, functionName = 'voip-push-test'): Context {
  return lambdaContext({ functionName, timeoutMs, awsRequestId: 'req-1', logStreamName: 'test' });
}

/** The queue the kit's records come from. */
export const TEST_QUEUE = { arn: 'arn:aws:sqs:us-east-1:000000000000:calls', region: 'us-east-1' } as const;

/**
 * An SQS record shaped as Lambda's event source mapping delivers it: a received message converted by
 * the same `toSqsRecord` the local poller uses.
 */
export function anSqsRecord(
  messageId: string,
  body: string,
  options: {
    sentAt?: number;
    receivedAt?: number;
    senderId?: string;
    receiveCount?: number;
    messageAttributes?: SQSMessageAttributes;
  } = {},
): SQSRecord {
  const message: Message = {
    MessageId: messageId,
    ReceiptHandle: `rh-${messageId}`,
    Body: body,
    MD5OfBody: '',
    Attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(options.sentAt ?? Date.now()),
      SenderId: options.senderId ?? 'local',
      ApproximateFirstReceiveTimestamp: String(options.receivedAt ?? Date.now()),
    },
    MessageAttributes: Object.fromEntries(
      Object.entries(options.messageAttributes ?? {}).map(([name, a]) => [
        name,
        {
          DataType: a.dataType,
          ...(a.stringValue !== undefined ? { StringValue: a.stringValue } : {}),
          ...(a.binaryValue !== undefined ? { BinaryValue: Buffer.from(a.binaryValue, 'base64') } : {}),
        },
      ]),
    ),
  };
  return toSqsRecord(message, TEST_QUEUE);
}

import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';

/** An SQS record shaped as Lambda's event source mapping delivers it. */
export function anSqsRecord(
  messageId: string,
  body: string,
  options: {
    sentAt: number;
    receivedAt?: number;
    senderId: string;
    messageAttributes?: SQSMessageAttributes;
  },
): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(options.sentAt),
      SenderId: options.senderId,
      ApproximateFirstReceiveTimestamp: String(options.receivedAt ?? Date.now()),
    },
    messageAttributes: options.messageAttributes ?? {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:calls',
    awsRegion: 'us-east-1',
  };
}

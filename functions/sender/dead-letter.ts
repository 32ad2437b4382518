import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** Moves a rejected record to the DLQ with why it was rejected. */
export interface DeadLetterSink {
  forward(record: SQSRecord, reason: string, details: readonly string[]): Promise<void>;
}

const SQS_MAX_ATTRIBUTES = 10;

/**
 * Sends the record's body to the DLQ as a new message carrying `rejectReason`, `rejectDetails` and
 * `sourceMessageId` attributes (plus as many of the original attributes as SQS allows), so whoever
 * reads the DLQ sees the reason next to the message, not only in the logs.
 */
export class SqsDeadLetterSink implements DeadLetterSink {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async forward(record: SQSRecord, reason: string, details: readonly string[]): Promise<void> {
    const ours: Record<string, MessageAttributeValue> = {
      rejectReason: { DataType: 'String', StringValue: reason },
      rejectDetails: { DataType: 'String', StringValue: details.join('; ').slice(0, 1024) || '-' },
      sourceMessageId: { DataType: 'String', StringValue: record.messageId },
    };
    const originals = Object.entries(record.messageAttributes ?? {})
      .filter(([name]) => !(name in ours))
      .slice(0, SQS_MAX_ATTRIBUTES - Object.keys(ours).length)
      .map(([name, a]): [string, MessageAttributeValue] => [
        name,
        {
          DataType: a.dataType,
          ...(a.stringValue !== undefined ? { StringValue: a.stringValue } : {}),
          ...(a.binaryValue !== undefined ? { BinaryValue: Buffer.from(a.binaryValue, 'base64') } : {}),
        },
      ]);
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: record.body,
        MessageAttributes: { ...Object.fromEntries(originals), ...ours },
      }),
    );
  }
}

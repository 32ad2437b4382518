import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/**
 * Brings a record reported as failed back soon. Lambda's event source leaves a failed record invisible
 * for the queue's whole visibility timeout (6x the function timeout, minutes), by which time the call has
 * stopped ringing; a deferred device is only worth a redelivery within seconds.
 */
export interface RedeliveryScheduler {
  soon(record: SQSRecord, delaySeconds: number): Promise<void>;
}

export class SqsRedelivery implements RedeliveryScheduler {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async soon(record: SQSRecord, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: delaySeconds,
      }),
    );
  }
}

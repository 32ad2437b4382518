import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { eventSourceOf, toSqsRecord } from '../../local/lambda-runtime';
import { aLambdaContext } from '../kit/lambda';

/**
 * A step-by-step test twin of Lambda's SQS event source mapping (local/poller.ts runs until stopped;
 * fault tests need to drain the queue and know when it is empty): receive up to
 * `batchSize`, call the handler, delete what succeeded, leave the `batchItemFailures` (and the whole batch
 * when the handler throws) for SQS to deliver again after the visibility timeout; the queue's redrive
 * policy moves a record to the DLQ after maxReceiveCount receives. Every loop is bounded.
 */
export type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface PollOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly handler: BatchHandler;
  /** @default 10 */
  readonly batchSize?: number;
  /** The Lambda timeout the handler sees through `getRemainingTimeInMillis`. @default 30000 */
  readonly timeoutMs?: number;
}

export async function receive(
  sqs: SQSClient,
  queueUrl: string,
  max = 10,
  waitSeconds = 0,
): Promise<Message[]> {
  const answer = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return answer.Messages ?? [];
}

export async function deleteAll(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly Message[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    if (chunk.length === 0) continue;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle as string })),
      }),
    );
  }
}

/** One receive → handler → delete cycle; returns how many records the handler saw. */
export async function pollOnce(options: PollOptions): Promise<number> {
  const { sqs, queueUrl, handler } = options;
  const messages = await receive(sqs, queueUrl, options.batchSize ?? 10);
  if (messages.length === 0) return 0;
  let failed = new Set<string>(messages.map((m) => m.MessageId as string));
  try {
    const result = await handler(
      { Records: messages.map((m) => toSqsRecord(m, eventSourceOf(queueUrl))) },
      aLambdaContext(options.timeoutMs),
    );
    failed = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
  } catch {
    // The whole batch is retried, as Lambda does when the function fails.
  }
  await deleteAll(
    sqs,
    queueUrl,
    messages.filter((m) => !failed.has(m.MessageId as string)),
  );
  return messages.length;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const answer = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const a = answer.Attributes ?? {};
  return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/**
 * Polls until the queue is empty (nothing visible or in flight) or `maxMs` passes; bounded in cycles too.
 * Returns the number of handler invocations.
 */
export async function drain(options: PollOptions & { maxMs: number; idleWaitMs?: number }): Promise<number> {
  const stopAt = Date.now() + options.maxMs;
  let invocations = 0;
  for (let cycle = 0; cycle < 10_000 && Date.now() < stopAt; cycle++) {
    const seen = await pollOnce(options);
    if (seen > 0) {
      invocations++;
      continue;
    }
    if ((await queueDepth(options.sqs, options.queueUrl)) === 0) return invocations;
    await new Promise((resolve) => setTimeout(resolve, options.idleWaitMs ?? 100));
  }
  return invocations;
}

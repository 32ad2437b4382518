import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { describeError } from '../shared/lib/helpers';
import { type EventSource, eventSourceOf, lambdaContext, toSqsRecord } from './lambda-runtime';

export type SqsLambdaHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
export type PollerLog = (
  level: 'info' | 'warn' | 'error',
  message: string,
  data?: Record<string, unknown>,
) => void;

export interface PollerOptions {
  /** Built with an explicit `endpoint`: fauxqs queue URLs name a host that does not resolve. */
  readonly sqsClient: SQSClient;
  readonly queueUrl: string;
  readonly handler: SqsLambdaHandler;
  /** Records per event, 1-10. @default 10 */
  readonly batchSize?: number;
  /** Long-poll wait, 1-20 s. @default 1 */
  readonly waitTimeSeconds?: number;
  /** Visibility timeout of received messages; the queue's own when unset. */
  readonly visibilityTimeoutSeconds?: number;
  /** Make failed records visible again after this many seconds instead of the full visibility timeout. */
  readonly failedVisibilityTimeoutSeconds?: number;
  /** What `context.getRemainingTimeInMillis()` starts from. @default 30000 */
  readonly functionTimeoutMs?: number;
  readonly functionName?: string;
  readonly log?: PollerLog;
}

export interface Poller {
  /** Stops receiving, lets the batch in hand finish (its deletes included), then resolves. */
  stop(): Promise<void>;
}

/**
 * Feeds a queue to a handler the way Lambda's SQS event source mapping does: batches of real-shaped
 * records, partial batch responses (the records not listed are deleted, the listed ones stay for
 * redelivery), a thrown error leaves the whole batch, and the queue's redrive policy moves records
 * received maxReceiveCount times to the DLQ.
 */
export function startPoller(options: PollerOptions): Poller {
  const batchSize = options.batchSize ?? 10;
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10)
    throw new RangeError('batchSize must be 1-10');
  if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 1 || waitTimeSeconds > 20) {
    throw new RangeError('waitTimeSeconds must be 1-20');
  }
  const { sqsClient: sqs, queueUrl } = options;
  const log: PollerLog = options.log ?? (() => {});
  const abort = new AbortController();
  let running = true;

  const loop = (async () => {
    const source = await eventSource(sqs, queueUrl);
    while (running) {
      let messages: Message[];
      try {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            AttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
            ...(options.visibilityTimeoutSeconds === undefined
              ? {}
              : { VisibilityTimeout: options.visibilityTimeoutSeconds }),
          }),
          { abortSignal: abort.signal },
        );
        messages = out.Messages ?? [];
      } catch (error) {
        if (!running) break;
        log('error', 'poller receive failed', { error: describeError(error) });
        await pause(1000, abort.signal);
        continue;
      }
      if (messages.length > 0) await deliver(messages.map((m) => toSqsRecord(m, source)));
    }
  })();

  async function deliver(records: SQSRecord[]): Promise<void> {
    const event: SQSEvent = { Records: records };
    let failed: Set<string>;
    try {
      const response = await options.handler(
        event,
        lambdaContext({
          functionName: options.functionName ?? 'voip-push-sender-local',
          timeoutMs: options.functionTimeoutMs ?? 30_000,
          region: 'local',
        }),
      );
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      log('error', 'handler threw: the whole batch stays for redelivery', {
        records: records.length,
        error: describeError(error),
      });
      return;
    }
    const ids = new Set(records.map((r) => r.messageId));
    if ([...failed].some((id) => !ids.has(id))) {
      // Lambda treats an unknown or empty itemIdentifier as a failure of the whole batch.
      log('error', 'batchItemFailures names an unknown record: the whole batch stays', {
        failed: [...failed],
      });
      return;
    }
    const done = records.filter((r) => !failed.has(r.messageId));
    await inChunks(done, (chunk) =>
      sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((r, i) => ({ Id: `${i}`, ReceiptHandle: r.receiptHandle })),
        }),
      ),
    );
    const retry = records.filter((r) => failed.has(r.messageId));
    const visibility = options.failedVisibilityTimeoutSeconds;
    if (retry.length > 0 && visibility !== undefined) {
      await inChunks(retry, (chunk) =>
        sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((r, i) => ({
              Id: `${i}`,
              ReceiptHandle: r.receiptHandle,
              VisibilityTimeout: visibility,
            })),
          }),
        ),
      );
    }
    if (retry.length > 0)
      log('info', 'records left for redelivery', { messageIds: retry.map((r) => r.messageId) });
  }

  return {
    async stop() {
      running = false;
      abort.abort();
      await loop.catch((error) =>
        log('error', 'poller stopped with an error', { error: describeError(error) }),
      );
    },
  };
}

async function eventSource(sqs: SQSClient, queueUrl: string): Promise<EventSource> {
  const region = await sqs.config.region();
  try {
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const arn = attrs.Attributes?.QueueArn;
    if (arn) return { arn, region };
  } catch {
    // Fall through to an ARN built from the URL.
  }
  return eventSourceOf(queueUrl, region);
}

async function inChunks<T>(items: readonly T[], send: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += 10) await send(items.slice(i, i + 10));
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { mapBounded } from '../shared/lib/helpers';
import { DEFAULT_MAX_BATCH_BYTES, toBatches } from './batches';
import { type CallEventDraft, type PreparedEvent, prepareEvent } from './prepare';

/** The outcome for one event, in the order the events were given. */
export type PublishResult =
  | { readonly ok: true; readonly callId: string; readonly messageId: string }
  | {
      readonly ok: false;
      readonly callId: string;
      /** SQS's error code (`InvalidParameterValue`, `QueueDoesNotExist`, `AccessDenied`, ...). */
      readonly code: string;
      readonly message: string;
    };

export interface PublishOptions {
  /** Clock for the `createdAt` default. @default () => new Date() */
  readonly now?: () => Date;
  /** Largest SendMessageBatch request, in SQS-counted bytes. @default 262144 (256 KiB) */
  readonly maxBatchBytes?: number;
  /** SendMessageBatch requests in flight at once. @default 4 */
  readonly concurrency?: number;
}

interface Pending extends PreparedEvent {
  readonly index: number;
}

type EntryOutcome = {
  readonly pending: Pending;
  readonly result: PublishResult;
  readonly retryable: boolean;
};

/**
 * Validates every event first (one invalid event throws `CallEventValidationError` and nothing is
 * sent), then sends them in SendMessageBatch requests of at most 10 entries and `maxBatchBytes`.
 * Entries SQS failed through no fault of ours (`SenderFault: false`) are sent once more; every other
 * failure is final. A request that fails as a whole (missing queue, no permission) fails each of its
 * entries with that error: the SDK has already retried it if the error was transient.
 */
export async function publishEvents(
  client: SQSClient,
  queueUrl: string,
  drafts: readonly CallEventDraft[],
  options: PublishOptions = {},
  single = false,
): Promise<PublishResult[]> {
  const now = (options.now ?? (() => new Date()))();
  const pending = drafts.map((draft, index) => ({
    ...prepareEvent(draft, now, single ? undefined : index),
    index,
  }));
  const results = new Array<PublishResult>(pending.length);
  const maxBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const concurrency = Math.max(1, options.concurrency ?? 4);

  let retry: Pending[] = [];
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const todo = attempt === 0 ? pending : retry;
    retry = [];
    const outcomes = await mapBounded(toBatches(todo, maxBytes), concurrency, (batch) =>
      sendBatch(client, queueUrl, batch),
    );
    for (const outcome of outcomes.flat()) {
      results[outcome.pending.index] = outcome.result;
      if (outcome.retryable) retry.push(outcome.pending);
    }
    if (retry.length === 0) break;
  }
  return results;
}

async function sendBatch(
  client: SQSClient,
  queueUrl: string,
  batch: readonly Pending[],
): Promise<EntryOutcome[]> {
  const byId = new Map(batch.map((p) => [`e${p.index}`, p]));
  /** The entry SQS answered for, once: later answers for the same id are ignored. */
  const take = (id: string | undefined): Pending | undefined => {
    const p = id === undefined ? undefined : byId.get(id);
    if (p) byId.delete(id as string);
    return p;
  };
  try {
    const answer = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [...byId].map(([Id, p]) => ({ Id, MessageBody: p.body, MessageAttributes: p.attributes })),
      }),
    );
    const outcomes: EntryOutcome[] = [];
    for (const ok of answer.Successful ?? []) {
      const p = ok.MessageId === undefined ? undefined : take(ok.Id);
      if (!p || ok.MessageId === undefined) continue;
      outcomes.push({
        pending: p,
        result: { ok: true, callId: p.event.callId, messageId: ok.MessageId },
        retryable: false,
      });
    }
    for (const failed of answer.Failed ?? []) {
      const p = take(failed.Id);
      if (!p) continue;
      const result = failure(p, failed.Code ?? 'Unknown', failed.Message ?? 'SQS did not accept the message');
      outcomes.push({ pending: p, result, retryable: !failed.SenderFault });
    }
    for (const p of byId.values()) {
      outcomes.push({
        pending: p,
        result: failure(p, 'MissingResult', 'SQS did not answer for this entry'),
        retryable: true,
      });
    }
    return outcomes;
  } catch (error) {
    const code = error instanceof Error ? error.name : 'Unknown';
    const message = error instanceof Error ? error.message : String(error);
    return batch.map((p) => ({ pending: p, result: failure(p, code, message), retryable: false }));
  }
}

function failure(p: Pending, code: string, message: string): PublishResult {
  return { ok: false, callId: p.event.callId, code, message };
}

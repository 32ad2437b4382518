/**
 * The DLQ panel: the dead-lettered call events with the reason the sender gave (`rejectReason`,
 * `rejectDetails` message attributes), and redrive: the message goes back to the call queue (body and
 * original attributes) and is deleted from the DLQ. Listing peeks (fauxqs, in process: see
 * `LocalSqs.peek`), so looking never counts a receive or hides a message. A redrive has to receive the
 * message for its receipt handle: the others it received meanwhile are made visible again after 1 s
 * (not 0: fauxqs 2.4.1 with a data directory drops a message whose visibility is set to 0).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DlqMessageView } from '../console-types';

/** The attributes the sender adds when it dead-letters a record (functions/sender/dead-letter.ts). */
const REJECT_ATTRIBUTES = new Set(['rejectReason', 'rejectDetails', 'sourceMessageId']);
const MAX_LISTED = 100;
const MAX_BODY_CHARS = 4096;
/** While a redrive looks for its message: long enough for the send and delete that follow. */
const HOLD_SECONDS = 20;
/** The others become visible again this soon (see above for why not 0). */
const RELEASE_SECONDS = 1;
/** Receives before a redrive gives up looking (10 messages each). */
const MAX_RECEIVES = 20;

/** All messages of a queue, without receiving them. */
export type QueuePeek = (queueUrl: string) => Message[];

export class MessageNotFoundError extends Error {
  override readonly name = 'MessageNotFoundError';
}

const attribute = (message: Message, name: string) => message.MessageAttributes?.[name]?.StringValue;

export function toDlqView(message: Message): DlqMessageView {
  const body = message.Body ?? '';
  let event: { callId?: unknown; type?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') event = parsed as typeof event;
  } catch {
    // Not JSON: the reason says so (invalid_json).
  }
  const sent = Number(message.Attributes?.SentTimestamp);
  const receives = Number(message.Attributes?.ApproximateReceiveCount);
  const rejectReason = attribute(message, 'rejectReason');
  const rejectDetails = attribute(message, 'rejectDetails');
  const sourceMessageId = attribute(message, 'sourceMessageId');
  return {
    messageId: message.MessageId ?? '',
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
    ...(Number.isFinite(receives) ? { receiveCount: receives } : {}),
    ...(rejectReason ? { rejectReason } : {}),
    ...(rejectDetails && rejectDetails !== '-' ? { rejectDetails } : {}),
    ...(sourceMessageId ? { sourceMessageId } : {}),
    ...(typeof event.callId === 'string' ? { callId: event.callId } : {}),
    ...(typeof event.type === 'string' ? { type: event.type } : {}),
    body: body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS)}…` : body,
  };
}

export class DeadLetters {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sqs: SQSClient,
    private readonly dlqUrl: string,
    private readonly callQueueUrl: string,
    private readonly peek: QueuePeek,
  ) {}

  /** Messages in the DLQ right now, in flight ones included. */
  count(): number {
    return this.peek(this.dlqUrl).length;
  }

  /** Oldest first, at most 100. */
  list(): DlqMessageView[] {
    return this.peek(this.dlqUrl).slice(0, MAX_LISTED).map(toDlqView);
  }

  /** Sends the message back to the call queue, then deletes it from the DLQ. */
  redrive(messageId: string): Promise<{ messageId: string; requeuedAs: string }> {
    return this.exclusive(async () => {
      const held = await this.receiveAll((message) => message.MessageId === messageId);
      const found = held.find((message) => message.MessageId === messageId);
      try {
        if (!found) throw new MessageNotFoundError(`no message ${messageId} in the DLQ`);
        const attributes = Object.fromEntries(
          Object.entries(found.MessageAttributes ?? {}).filter(([name]) => !REJECT_ATTRIBUTES.has(name)),
        ) as Record<string, MessageAttributeValue>;
        const sent = await this.sqs.send(
          new SendMessageCommand({
            QueueUrl: this.callQueueUrl,
            MessageBody: found.Body ?? '',
            ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
          }),
        );
        await this.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.dlqUrl, ReceiptHandle: found.ReceiptHandle }),
        );
        return { messageId, requeuedAs: sent.MessageId ?? '' };
      } finally {
        await this.release(held.filter((message) => message !== found));
      }
    });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Receives (and holds) messages until the queue answers none, `stop` matches one, or the cap. */
  private async receiveAll(stop: (message: Message) => boolean): Promise<Message[]> {
    const held: Message[] = [];
    const ids = new Set<string>();
    for (let receives = 0; receives < MAX_RECEIVES; receives++) {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: HOLD_SECONDS,
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const fresh = (out.Messages ?? []).filter((message) => !ids.has(message.MessageId ?? ''));
      if (fresh.length === 0) break;
      for (const message of fresh) {
        ids.add(message.MessageId ?? '');
        held.push(message);
      }
      if (fresh.some(stop)) break;
    }
    return held;
  }

  /** Makes held messages visible again. */
  private async release(messages: readonly Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const chunk = messages.slice(i, i + 10);
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.dlqUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: RELEASE_SECONDS,
          })),
        }),
      );
    }
  }
}

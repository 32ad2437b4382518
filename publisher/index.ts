/**
 * Typed publisher of call events (docs/contracts.md, call event) for call-control services on Node.js.
 *
 * ```ts
 * import { SQSClient } from '@aws-sdk/client-sqs';
 * import { publishIncomingCall } from 'voip-push/publisher';
 *
 * const sqs = new SQSClient({});
 * const result = await publishIncomingCall(sqs, process.env.CALL_QUEUE_URL, {
 *   callId: 'c-7f3a', recipients: ['user-1'], caller: { id: 'user-9', displayName: 'Ada' },
 * });
 * if (!result.ok) console.error('call event not queued', result.code, result.message);
 * ```
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { CallEventDraft } from './prepare';
import { type PublishOptions, type PublishResult, publishEvents } from './publish';

export type { CallEvent } from '../shared/domain/call-event';
export { callEventSchema } from '../shared/domain/call-event';
export { type CallEventProblem, CallEventValidationError } from './errors';
export type { CallEventDraft } from './prepare';
export type { PublishOptions, PublishResult } from './publish';

/** A call event whose `type` the function sets. */
export type CallDraft = Omit<CallEventDraft, 'type'>;

/**
 * Queues an `incoming_call`: every device of every recipient gets a VoIP push and rings.
 * @throws CallEventValidationError (nothing sent) when the event breaks the contract.
 */
export async function publishIncomingCall(
  client: SQSClient,
  queueUrl: string,
  event: CallDraft,
  options?: PublishOptions,
): Promise<PublishResult> {
  const [result] = await publishEvents(
    client,
    queueUrl,
    [{ ...event, type: 'incoming_call' }],
    options,
    true,
  );
  return result as PublishResult;
}

/**
 * Queues a `missed_call`: a standard alert push ("Missed call") to every recipient device. Not a
 * way to stop a phone ringing: the app learns of a hang-up over its own connection.
 * @throws CallEventValidationError (nothing sent) when the event breaks the contract.
 */
export async function publishMissedCall(
  client: SQSClient,
  queueUrl: string,
  event: CallDraft,
  options?: PublishOptions,
): Promise<PublishResult> {
  const [result] = await publishEvents(client, queueUrl, [{ ...event, type: 'missed_call' }], options, true);
  return result as PublishResult;
}

/**
 * Queues many events with as few SendMessageBatch requests as the limits allow (10 entries, 256 KiB).
 * Answers one result per event, in order; a failed entry is retried once when SQS says it was not the
 * sender's fault.
 * @throws CallEventValidationError (with `index`; nothing sent) when any event breaks the contract.
 */
export async function publishCalls(
  client: SQSClient,
  queueUrl: string,
  events: readonly CallEventDraft[],
  options?: PublishOptions,
): Promise<PublishResult[]> {
  return publishEvents(client, queueUrl, events, options);
}

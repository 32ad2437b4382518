/**
 * The console's test call: a real call event on the call queue, built from the form and published with
 * the project's publisher (so it is validated with the call-event schema and sized like any other).
 */
import { randomBytes } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  type CallDraft,
  CallEventValidationError,
  type PublishResult,
  publishIncomingCall,
  publishMissedCall,
} from '../../../publisher/index';
import type { TestCallInput } from '../console-inputs';

export { CallEventValidationError };

/** The caller every console call comes from. */
export const CONSOLE_CALLER_ID = 'local-console';

export function consoleCallId(now = Date.now()): string {
  return `c-console-${now.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface PlacedCall {
  readonly callId: string;
  readonly messageId: string;
  readonly type: TestCallInput['type'];
  readonly recipients: readonly string[];
}

/**
 * Publishes the call; throws CallEventValidationError (nothing sent) when the event breaks the contract,
 * and an Error when SQS refused it.
 */
export async function placeTestCall(
  sqs: SQSClient,
  queueUrl: string,
  input: TestCallInput,
): Promise<PlacedCall> {
  const draft: CallDraft = {
    callId: input.callId ?? consoleCallId(),
    recipients: input.recipients,
    caller: { id: CONSOLE_CALLER_ID, displayName: input.callerName ?? 'Local console' },
    ...(input.media ? { media: input.media } : {}),
    ...(input.ringTimeoutSeconds === undefined ? {} : { ringTimeoutSeconds: input.ringTimeoutSeconds }),
    data: { source: 'console' },
  };
  const publish = input.type === 'missed_call' ? publishMissedCall : publishIncomingCall;
  const result: PublishResult = await publish(sqs, queueUrl, draft);
  if (!result.ok) throw new Error(`the queue refused the call event: ${result.code} ${result.message}`);
  return {
    callId: result.callId,
    messageId: result.messageId,
    type: input.type,
    recipients: input.recipients,
  };
}

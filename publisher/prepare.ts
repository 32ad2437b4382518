import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { buildApnsPayload } from '../shared/adapters/apns/apns-payload';
import {
  CALL_EVENT_VERSION,
  type CallEvent,
  type CallEventInput,
  callEventSchema,
} from '../shared/domain/call-event';
import { type CallEventProblem, CallEventValidationError } from './errors';

/**
 * What a call-control service hands the publisher: a call event (docs/contracts.md) whose `version`
 * and `createdAt` may be left out (filled with 1 and now), as may `media` ('audio') and
 * `ringTimeoutSeconds` (30), which the schema itself defaults.
 */
export type CallEventDraft = Omit<CallEventInput, 'version' | 'createdAt'> & {
  readonly version?: typeof CALL_EVENT_VERSION;
  /** ISO-8601 with offset, or a Date; defaults to now. The ring window starts here. */
  readonly createdAt?: string | Date;
};

/** One event ready for SQS: its validated form, the body and attributes to send, and their size. */
export interface PreparedEvent {
  readonly event: CallEvent;
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  /** Bytes SQS counts against its size limits: body plus attribute names, types and values. */
  readonly bytes: number;
}

/**
 * Fills the defaults, validates with the same zod schema the sender parses with, checks that the push
 * payload fits APNs' limit (the sender rejects an event that does not), and serialises the event.
 * @throws CallEventValidationError naming the bad fields; nothing is sent.
 */
export function prepareEvent(draft: CallEventDraft, now: Date, index?: number): PreparedEvent {
  const { createdAt, ...rest } = draft;
  const candidate = {
    ...rest,
    version: draft.version ?? CALL_EVENT_VERSION,
    createdAt: createdAt instanceof Date ? createdAt.toISOString() : (createdAt ?? now.toISOString()),
  };
  const parsed = callEventSchema.safeParse(candidate);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || '(event)',
      problem: issue.message,
    }));
    throw new CallEventValidationError(nonEmpty(problems), index);
  }
  const event = parsed.data;
  const payload = buildApnsPayload(event);
  if (!payload.ok) {
    const problem = `the ${payload.pushType} push payload (caller, data, ...) is ${payload.bytes} bytes, over APNs' ${payload.limit}`;
    throw new CallEventValidationError(
      [{ field: event.data === undefined ? 'caller' : 'data', problem }],
      index,
    );
  }
  const body = serialise(event);
  const attributes: Record<string, MessageAttributeValue> = {
    type: { DataType: 'String', StringValue: event.type },
    callId: { DataType: 'String', StringValue: event.callId },
    version: { DataType: 'Number', StringValue: String(event.version) },
  };
  return { event, body, attributes, bytes: sqsSize(body, attributes) };
}

/**
 * JSON, with U+FFFE and U+FFFF escaped: JSON.stringify leaves them raw and SQS refuses a body holding
 * them (InvalidMessageContents). The escape decodes to the same string, so the event arrives intact.
 */
function serialise(event: CallEvent): string {
  return JSON.stringify(event).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/** SQS's size rule: body bytes plus, per attribute, name, data type and value bytes. */
function sqsSize(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let bytes = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType ?? '', 'utf8');
    bytes += Buffer.byteLength(value.StringValue ?? '', 'utf8');
  }
  return bytes;
}

function nonEmpty(problems: CallEventProblem[]): [CallEventProblem, ...CallEventProblem[]] {
  const [first, ...rest] = problems;
  return first ? [first, ...rest] : [{ field: '(event)', problem: 'is invalid' }];
}

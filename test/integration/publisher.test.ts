import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type CallDraft,
  CallEventValidationError,
  publishCalls,
  publishIncomingCall,
  publishMissedCall,
} from '../../publisher/index';
import { createTestQueues, testSqsClient } from '../support/local-aws';

const NOW = new Date('2026-11-28T10:00:00.000Z');
const clock = { now: () => NOW };

function draft(callId: string, extra: Partial<CallDraft> = {}): CallDraft {
  return { callId, recipients: ['user-1', 'user-2'], caller: { id: 'user-9', displayName: 'Ada' }, ...extra };
}

/** Counts SendMessageBatch requests (entries per request) made through `client`. */
function countBatches(client: SQSClient): number[] {
  const sizes: number[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendMessageBatchCommand') {
        sizes.push((args.input as SendMessageBatchCommandInput).Entries?.length ?? 0);
      }
      return next(args);
    },
    { step: 'initialize', name: `countBatches${Math.random()}` },
  );
  return sizes;
}

/**
 * Makes SQS "fail" entry `id` with a server-side error (SenderFault false) on its first `times`
 * appearances: the entry is taken out of the request and reported back as Failed.
 */
function failEntry(client: SQSClient, id: string, times: number): void {
  let left = times;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as SendMessageBatchCommandInput;
      if (
        context.commandName !== 'SendMessageBatchCommand' ||
        left === 0 ||
        !input.Entries?.some((e) => e.Id === id)
      ) {
        return next(args);
      }
      left -= 1;
      const rest = input.Entries.filter((e) => e.Id !== id);
      const answer =
        rest.length > 0
          ? await next({ ...args, input: { ...input, Entries: rest } })
          : { output: { Successful: [], Failed: [], $metadata: {} }, response: {} };
      const output = answer.output as SendMessageBatchCommandOutput;
      output.Failed = [
        ...(output.Failed ?? []),
        { Id: id, SenderFault: false, Code: 'InternalError', Message: 'try again' },
      ];
      return answer;
    },
    { step: 'initialize', name: `failEntry${Math.random()}` },
  );
}

async function receiveAll(client: SQSClient, queueUrl: string, expected: number): Promise<Message[]> {
  const messages: Message[] = [];
  for (let round = 0; round < 20 && messages.length < expected; round += 1) {
    const got = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    messages.push(...(got.Messages ?? []));
  }
  return messages;
}

async function visibleCount(client: SQSClient, queueUrl: string): Promise<number> {
  const attrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(attrs.Attributes?.ApproximateNumberOfMessages);
}

describe('call event publisher', () => {
  let sqs: SQSClient;
  beforeAll(() => {
    sqs = testSqsClient();
  });
  afterAll(() => sqs.destroy());

  it('delivers incoming and missed calls intact with type, callId and version attributes when they are valid', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    const incoming = await publishIncomingCall(
      sqs,
      queueUrl,
      draft('c-1', { media: 'video', ringTimeoutSeconds: 45, data: { room: 'r-1' } }),
    );
    const missed = await publishMissedCall(
      sqs,
      queueUrl,
      draft('c-2', { createdAt: '2026-11-28T09:59:00.000Z' }),
    );
    expect(incoming).toEqual({ ok: true, callId: 'c-1', messageId: expect.any(String) });
    expect(missed).toEqual({ ok: true, callId: 'c-2', messageId: expect.any(String) });

    const messages = await receiveAll(sqs, queueUrl, 2);
    const byCall = new Map(messages.map((m) => [m.MessageAttributes?.callId?.StringValue, m]));
    const first = byCall.get('c-1');
    expect(JSON.parse(first?.Body ?? '')).toEqual({
      version: 1,
      type: 'incoming_call',
      callId: 'c-1',
      recipients: ['user-1', 'user-2'],
      caller: { id: 'user-9', displayName: 'Ada' },
      media: 'video',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      ringTimeoutSeconds: 45,
      data: { room: 'r-1' },
    });
    expect(first?.MessageId).toBe(incoming.ok ? incoming.messageId : undefined);
    expect(first?.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'incoming_call' },
      callId: { DataType: 'String', StringValue: 'c-1' },
      version: { DataType: 'Number', StringValue: '1' },
    });
    const second = JSON.parse(byCall.get('c-2')?.Body ?? '');
    expect(second).toMatchObject({
      type: 'missed_call',
      callId: 'c-2',
      createdAt: '2026-11-28T09:59:00.000Z',
    });
    expect(byCall.get('c-2')?.MessageAttributes?.type?.StringValue).toBe('missed_call');
  });

  it('fills version, createdAt, media and ringTimeoutSeconds when the draft leaves them out', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    await publishIncomingCall(sqs, queueUrl, draft('c-defaults'), clock);
    const [message] = await receiveAll(sqs, queueUrl, 1);
    expect(JSON.parse(message?.Body ?? '')).toMatchObject({
      version: 1,
      createdAt: NOW.toISOString(),
      media: 'audio',
      ringTimeoutSeconds: 30,
    });
  });

  it('accepts a Date as createdAt when the caller has one', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    await publishIncomingCall(
      sqs,
      queueUrl,
      draft('c-date', { createdAt: new Date('2026-11-28T10:00:05Z') }),
    );
    const [message] = await receiveAll(sqs, queueUrl, 1);
    expect(JSON.parse(message?.Body ?? '').createdAt).toBe('2026-11-28T10:00:05.000Z');
  });

  it('refuses an event naming the field and sends nothing when the callId breaks the contract', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    const attempt = publishIncomingCall(sqs, queueUrl, draft('call id with spaces'));
    await expect(attempt).rejects.toBeInstanceOf(CallEventValidationError);
    await expect(attempt).rejects.toMatchObject({ field: 'callId', index: undefined });
    expect(await visibleCount(sqs, queueUrl)).toBe(0);
  });

  it('refuses the whole array naming the index and field when one event of many is invalid', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    const sizes = countBatches(sqs);
    const events = [
      { ...draft('c-a'), type: 'incoming_call' as const },
      { ...draft('c-b', { recipients: ['user-1', 'user-1'] }), type: 'incoming_call' as const },
    ];
    const attempt = publishCalls(sqs, queueUrl, events);
    await expect(attempt).rejects.toMatchObject({
      name: 'CallEventValidationError',
      index: 1,
      field: 'recipients',
    });
    expect(sizes).toEqual([]);
    expect(await visibleCount(sqs, queueUrl)).toBe(0);
  });

  it('refuses an incoming call whose push payload would exceed the APNs VoIP limit when data is large', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    const attempt = publishIncomingCall(sqs, queueUrl, draft('c-big', { data: { blob: 'x'.repeat(6000) } }));
    await expect(attempt).rejects.toMatchObject({ field: 'data', message: expect.stringContaining('5120') });
    expect(await visibleCount(sqs, queueUrl)).toBe(0);
  });

  it('sends 25 events in 3 SendMessageBatch requests with one result each in order when they are small', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    const sizes = countBatches(sqs);
    const events = Array.from({ length: 25 }, (_, i) => ({
      ...draft(`c-${i}`),
      type: 'incoming_call' as const,
    }));
    const results = await publishCalls(sqs, queueUrl, events, clock);
    expect(sizes).toEqual([10, 10, 5]);
    expect(results.map((r) => r.callId)).toEqual(events.map((e) => e.callId));
    expect(results.every((r) => r.ok)).toBe(true);
    const received = await receiveAll(sqs, queueUrl, 25);
    expect(new Set(received.map((m) => JSON.parse(m.Body ?? '').callId)).size).toBe(25);
  });

  it('keeps every request under 256 KiB when ten events would not fit in one', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    const sizes = countBatches(sqs);
    // 1000 recipients of ~100 characters: about 100 KiB an event, so two fit in a request.
    const recipients = Array.from({ length: 1000 }, (_, i) => `user-${String(i).padStart(95, '0')}`);
    const events = Array.from({ length: 5 }, (_, i) => ({
      ...draft(`c-${i}`, { recipients }),
      type: 'missed_call' as const,
    }));
    const results = await publishCalls(sqs, queueUrl, events);
    expect(sizes).toEqual([2, 2, 1]);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('reports each refused entry and delivers the rest when the queue takes only small messages', async () => {
    const created = await sqs.send(
      new CreateQueueCommand({
        QueueName: `calls-small-${Date.now()}`,
        Attributes: { MaximumMessageSize: '1024' },
      }),
    );
    const queueUrl = created.QueueUrl as string;
    const sizes = countBatches(sqs);
    const many = Array.from({ length: 200 }, (_, i) => `user-${i}`); // ~1.6 KB of body
    const events = [
      { ...draft('c-small-1'), type: 'incoming_call' as const },
      { ...draft('c-large', { recipients: many }), type: 'incoming_call' as const },
      { ...draft('c-small-2'), type: 'incoming_call' as const },
    ];
    const results = await publishCalls(sqs, queueUrl, events);
    expect(results[0]).toMatchObject({ ok: true, callId: 'c-small-1' });
    expect(results[1]).toMatchObject({ ok: false, callId: 'c-large', code: 'InvalidParameterValue' });
    expect(results[2]).toMatchObject({ ok: true, callId: 'c-small-2' });
    expect(sizes).toEqual([3]); // a sender fault is final: not retried
    const received = await receiveAll(sqs, queueUrl, 2);
    expect(received.map((m) => JSON.parse(m.Body ?? '').callId).sort()).toEqual(['c-small-1', 'c-small-2']);
  });

  it('fails every entry with the SQS error code when the queue does not exist', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    const missing = queueUrl.replace(/calls-[^/]+$/, 'calls-does-not-exist');
    const events = Array.from({ length: 12 }, (_, i) => ({
      ...draft(`c-${i}`),
      type: 'incoming_call' as const,
    }));
    const results = await publishCalls(sqs, missing, events);
    expect(results).toHaveLength(12);
    for (const result of results) {
      expect(result).toMatchObject({ ok: false, code: 'QueueDoesNotExist', message: expect.any(String) });
    }
  });

  it('retries only the failed entry once and delivers it when SQS failed it on its side', async () => {
    const client = testSqsClient();
    const { queueUrl } = await createTestQueues(client);
    const sizes = countBatches(client);
    failEntry(client, 'e2', 1);
    const events = Array.from({ length: 4 }, (_, i) => ({
      ...draft(`c-${i}`),
      type: 'incoming_call' as const,
    }));
    const results = await publishCalls(client, queueUrl, events);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sizes).toEqual([4, 1]);
    expect(await receiveAll(client, queueUrl, 4)).toHaveLength(4);
    client.destroy();
  });

  it('reports the entry as failed after one retry when SQS keeps failing it on its side', async () => {
    const client = testSqsClient();
    const { queueUrl } = await createTestQueues(client);
    const sizes = countBatches(client);
    failEntry(client, 'e1', 5);
    const events = Array.from({ length: 3 }, (_, i) => ({
      ...draft(`c-${i}`),
      type: 'incoming_call' as const,
    }));
    const results = await publishCalls(client, queueUrl, events);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(results[1]).toMatchObject({ code: 'InternalError', message: 'try again' });
    expect(sizes).toEqual([3, 1]);
    client.destroy();
  });

  it('delivers a caller name intact when it holds a character SQS refuses raw', async () => {
    const { queueUrl } = await createTestQueues(sqs);
    const name = 'Ada \uFFFF Lovelace';
    const result = await publishIncomingCall(
      sqs,
      queueUrl,
      draft('c-odd', { caller: { id: 'user-9', displayName: name } }),
    );
    expect(result.ok).toBe(true);
    const [message] = await receiveAll(sqs, queueUrl, 1);
    expect(JSON.parse(message?.Body ?? '').caller.displayName).toBe(name);
  });
});

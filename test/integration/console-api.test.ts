import { connect } from 'node:net';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DlqMessageView, PhoneRow, PushRow } from '../../local/console/console-types';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { consoleGet, readSnapshot, registerDevice, waitFor } from '../support/console-client';
import { freeStackPorts, type LogRecordTap, stackSqsClient, tapLogRecords } from '../support/local-stack';

/**
 * The console's own API against a whole in-process stack: what the page relies on, what bad input
 * gets, and that no token or JWT ever leaves it. The stack's stdout is tapped as `npm start` taps it
 * (its JSON lines are kept off jest's output).
 */
let stack: LocalStack;
let tap: LogRecordTap;
let sqs: SQSClient;
let consoleUrl: string;

beforeAll(async () => {
  tap = tapLogRecords();
  stack = await startLocalStack({
    ...(await freeStackPorts()),
    apiPort: 0,
    dataDir: null,
    env: {},
    logLines: tap.lines,
    console: { port: 0 },
  });
  consoleUrl = stack.info.consoleUrl as string;
  sqs = stackSqsClient(stack.info);
}, 90_000);

afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
  tap?.restore();
});

const post = (
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) =>
  fetch(`${consoleUrl}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function pushOf(callId: string, outcome = 'delivered'): Promise<PushRow> {
  return waitFor(async () => {
    const { pushes } = await consoleGet<{ pushes: PushRow[] }>(consoleUrl, '/api/pushes');
    return pushes.find(
      (row) => row.callId === callId && row.outcome === outcome && row.latency.phoneMs !== undefined,
    );
  }, `a ${outcome} push of ${callId} with its phone latency`);
}

describe('local console API', () => {
  it('answers bad input with a precise 4xx naming the problem, and the stack keeps running', async () => {
    const cases: Array<[string, () => Promise<Response>, number, string, string?]> = [
      ['unknown route', () => fetch(`${consoleUrl}/api/nothing`), 404, 'not_found'],
      ['unknown page', () => fetch(`${consoleUrl}/secret.txt`), 404, 'not_found'],
      ['wrong method', () => fetch(`${consoleUrl}/api/calls`), 405, 'method_not_allowed'],
      ['bad limit', () => fetch(`${consoleUrl}/api/pushes?limit=9999`), 400, 'invalid_request', 'limit'],
      [
        'not JSON',
        () => post('/api/calls', 'recipients=u1', { 'content-type': 'text/plain' }),
        415,
        'unsupported_media_type',
      ],
      ['broken JSON', () => post('/api/calls', '{"recipients":'), 400, 'invalid_request'],
      ['empty body', () => post('/api/calls', ''), 400, 'invalid_request'],
      [
        'too large',
        () => post('/api/calls', { recipients: ['u'], callerName: 'x'.repeat(70_000) }),
        413,
        'payload_too_large',
      ],
      ['no recipient', () => post('/api/calls', { recipients: [] }), 400, 'invalid_request', 'recipients'],
      [
        'unknown field',
        () => post('/api/calls', { recipients: ['u1'], ringtone: 'bell' }),
        400,
        'invalid_request',
      ],
      [
        'ring window out of range',
        () => post('/api/calls', { recipients: ['u1'], ringTimeoutSeconds: 500 }),
        400,
        'invalid_request',
        'ringTimeoutSeconds',
      ],
      [
        'bad call id',
        () => post('/api/calls', { recipients: ['u1'], callId: 'has space' }),
        400,
        'invalid_request',
        'callId',
      ],
      [
        'duplicate recipients',
        () => post('/api/calls', { recipients: ['u1', 'u1'] }),
        400,
        'invalid_request',
        'recipients',
      ],
      [
        'unknown fault',
        () => post('/api/faults', { faults: [{ kind: 'meltdown' }] }),
        400,
        'invalid_request',
        'faults.0.kind',
      ],
      [
        'fault without status',
        () => post('/api/faults', { faults: [{ kind: 'answer', reason: 'ServiceUnavailable' }] }),
        400,
        'invalid_request',
        'faults.0.status',
      ],
      [
        'rate above 1',
        () => post('/api/faults', { faults: [{ kind: 'reset', rate: 2 }] }),
        400,
        'invalid_request',
        'faults.0.rate',
      ],
      [
        'unknown platform',
        () => post('/api/faults', { platform: 'blackberry', faults: [] }),
        400,
        'invalid_request',
        'platform',
      ],
      [
        'malformed message id',
        () => post('/api/dlq/not%20an%20id/redrive', {}),
        400,
        'invalid_request',
        'messageId',
      ],
      [
        'unknown message',
        () => post('/api/dlq/00000000-0000-0000-0000-000000000000/redrive', {}),
        404,
        'not_found',
      ],
    ];
    for (const [what, send, status, code, field] of cases) {
      const res = await send();
      const body = (await res.json()) as {
        error: { code: string; message: string; details?: { field: string }[] };
      };
      expect({ what, status: res.status, code: body.error.code }).toEqual({ what, status, code });
      expect(body.error.message.length).toBeGreaterThan(0);
      if (field)
        expect({ what, fields: body.error.details?.map((d) => d.field) }).toEqual({
          what,
          fields: expect.arrayContaining([field]),
        });
    }
    // A request that is not HTTP at all.
    const raw = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(consoleUrl).port), '127.0.0.1', () =>
        socket.write('NOT HTTP\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
      });
      socket.on('close', () => resolve(text));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);

    expect((await fetch(`${consoleUrl}/api/status`)).status).toBe(200);
    expect((await fetch(`${stack.info.apiUrl}/v1/devices`)).status).toBe(401);
    expect((await fetch(`${consoleUrl}/app.js`)).status).toBe(200);
  });

  it('shows a placed call pushed, rung and timed, with tokens only as hashes and no JWT anywhere', async () => {
    const device = await registerDevice(stack.info.apiUrl, 'console-api-user', 'api-phone');
    const placed = await post('/api/calls', {
      recipients: [device.userId],
      ringTimeoutSeconds: 20,
      callerName: 'Ada',
    });
    expect(placed.status).toBe(202);
    const { callId } = (await placed.json()) as { callId: string };
    const push = await pushOf(callId);
    expect(push).toMatchObject({
      userId: device.userId,
      deviceId: 'api-phone',
      platform: 'ios',
      pushType: 'voip',
      retries: 0,
      answer: { statusCode: 200 },
      request: { headers: { 'apns-push-type': 'voip', 'apns-topic': 'com.example.voip.voip' } },
    });
    expect(push.latency.deliveryMs).toBeGreaterThanOrEqual(0);
    expect(push.request?.payload).toMatchObject({ caller: { displayName: 'Ada' } });
    const phone = await waitFor(async () => {
      const { phones } = await consoleGet<{ phones: PhoneRow[] }>(consoleUrl, '/api/phones');
      return phones.find((row) => row.callId === callId && row.receipts.length === 2);
    }, 'both receipts of the phone');
    expect(phone).toMatchObject({
      userId: device.userId,
      deviceId: 'api-phone',
      rings: 1,
      pushes: { voip: 1 },
    });
    expect(
      (await consoleGet<{ delivery: { count: number } }>(consoleUrl, '/api/latency')).delivery.count,
    ).toBeGreaterThan(0);

    const answers = [
      JSON.stringify(await consoleGet(consoleUrl, '/api/pushes')),
      JSON.stringify(await consoleGet(consoleUrl, '/api/phones')),
      JSON.stringify(await consoleGet(consoleUrl, '/api/devices')),
      JSON.stringify(await consoleGet(consoleUrl, '/api/status')),
      await readSnapshot(consoleUrl),
    ].join('\n');
    expect(answers).toContain(push.tokenHash);
    expect(answers.toLowerCase()).not.toContain(device.voipToken);
    expect(answers).not.toContain(device.jwt);
    expect(answers).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(answers.toLowerCase()).not.toContain('authorization');
  });

  it('lists dead-lettered events with their reject reason and redrives one that then rings', async () => {
    const device = await registerDevice(stack.info.apiUrl, 'console-dlq-user', 'dlq-phone');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.info.queueUrl,
        MessageBody: '{"version":1,"type":"incoming_call"}',
      }),
    );
    const callId = `c-dlq-${Date.now()}`;
    const event = {
      version: 1,
      type: 'incoming_call',
      callId,
      recipients: [device.userId],
      caller: { id: 'caller-1' },
      createdAt: new Date().toISOString(),
    };
    // As the queue's redrive policy would leave it after three failed receives: no reject reason.
    await sqs.send(
      new SendMessageCommand({ QueueUrl: stack.info.dlqUrl, MessageBody: JSON.stringify(event) }),
    );
    const listed = await waitFor(async () => {
      const { messages } = await consoleGet<{ messages: DlqMessageView[] }>(consoleUrl, '/api/dlq');
      const rejected = messages.find((m) => m.rejectReason === 'invalid_event');
      const waiting = messages.find((m) => m.callId === callId);
      return rejected && waiting ? { rejected, waiting } : undefined;
    }, 'both messages in the DLQ');
    expect(listed.rejected.rejectDetails).toContain('callId');
    expect(listed.waiting.rejectReason).toBeUndefined();

    const redriven = await post(`/api/dlq/${listed.waiting.messageId}/redrive`, {});
    expect(redriven.status).toBe(200);
    expect(await redriven.json()).toMatchObject({
      messageId: listed.waiting.messageId,
      requeuedAs: expect.any(String),
    });
    await pushOf(callId);
    const after = await consoleGet<{ messages: DlqMessageView[] }>(consoleUrl, '/api/dlq');
    expect(after.messages.map((m) => m.messageId)).not.toContain(listed.waiting.messageId);
    expect(after.messages.map((m) => m.messageId)).toContain(listed.rejected.messageId);
    // A second redrive of the same message finds nothing.
    expect((await post(`/api/dlq/${listed.waiting.messageId}/redrive`, {})).status).toBe(404);
  });
});

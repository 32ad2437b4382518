import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from '@jest/globals';
import { createReceiptsHandler, type ReceiptsApiEvent } from '../../functions/receipts/create-handler';
import { InMemoryDeliveryStore, recordKey } from '../../local/memory-delivery-store';
import type { HttpResult } from '../../shared/platform/http/responses';
import type { ReceiptStore, ReceiptWrite, ReceiptWriteInput } from '../../shared/ports/receipt-store';
import { STAGE_ATTRIBUTE } from '../../shared/ports/receipt-store';
import { InMemoryDeviceRepository } from '../fakes/in-memory-device-repository';
import { MemoryLogSink, MemoryMetricsSink } from '../fakes/memory-telemetry';
import { anHttpApiEvent } from '../kit/http-api';
import { aLambdaContext } from '../kit/lambda';

/** The DynamoReceiptStore's condition over the in-memory delivery records. */
class InMemoryReceiptStore implements ReceiptStore {
  constructor(private readonly deliveries: InMemoryDeliveryStore) {}

  async recordStage(input: ReceiptWriteInput): Promise<ReceiptWrite> {
    const key = recordKey({
      callId: input.callId,
      userId: input.userId,
      deviceId: input.deviceId,
      pushType: 'voip',
    });
    const current = this.deliveries.records.get(key);
    const attribute = STAGE_ATTRIBUTE[input.stage];
    if (
      current?.status !== 'accepted' ||
      !current.acceptedAt ||
      current.userId !== input.userId ||
      current[attribute] !== undefined
    ) {
      return { kind: 'not_recorded', current };
    }
    this.deliveries.records.set(key, { ...current, [attribute]: input.at });
    return { kind: 'recorded', previous: current };
  }
}

const context = aLambdaContext(3000, 'receipts');

const CREATED_AT = '2026-11-28T10:00:00.000Z';
const ACCEPTED_AT = '2026-11-28T10:00:00.120Z';
const APNS_ID = '0f8e5a5c-6a3e-4b8e-9d3a-2b1c0d9e8f7a';

interface Call {
  callId?: string;
  body?: string | object;
  sub?: string | null;
  headers?: Record<string, string>;
  routeKey?: string;
  method?: string;
  path?: string;
}

function event(call: Call): ReceiptsApiEvent {
  const callId = call.callId ?? 'call-1';
  const routeKey = call.routeKey ?? 'POST /v1/calls/{callId}/receipts';
  return anHttpApiEvent<ReceiptsApiEvent>({
    ...call,
    method: call.method ?? 'POST',
    path: call.path ?? `/v1/calls/${encodeURIComponent(callId)}/receipts`,
    routeKey,
    ...(routeKey === '$default' ? {} : { pathParameters: { callId } }),
  });
}

/** The delivery record of a VoIP push, the one receipts land on (and its key in `records`). */
const voipKey = (callId: string, deviceId: string, userId: string) =>
  ({ callId, userId, deviceId, pushType: 'voip' }) as const;
const voipRecord = (callId: string, deviceId: string, userId: string) =>
  recordKey(voipKey(callId, deviceId, userId));

async function setup() {
  let nowMs = Date.parse('2026-11-28T10:00:00.300Z');
  const devices = new InMemoryDeviceRepository();
  const deliveries = new InMemoryDeliveryStore(() => nowMs);
  const log = new MemoryLogSink();
  const metrics = new MemoryMetricsSink();
  const handler = createReceiptsHandler({
    devices,
    receipts: new InMemoryReceiptStore(deliveries),
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    log,
    metrics,
    clock: () => new Date(nowMs),
  });
  const register = (userId: string, deviceId: string) =>
    devices.register({
      userId,
      deviceId,
      bundleId: 'com.example.app',
      environment: 'sandbox',
      voipToken: `${deviceId.length.toString(16).padStart(2, '0')}${'ab'.repeat(31)}${userId.length % 10}`,
      now: new Date(nowMs),
    });
  const deliver = async (
    callId: string,
    deviceId: string,
    userId: string,
    status: 'accepted' | 'failed' = 'accepted',
  ) => {
    const key = voipKey(callId, deviceId, userId);
    const claim = await deliveries.claim(key, 5000);
    if (claim.kind !== 'claimed') throw new Error('seed claim failed');
    await deliveries.complete(key, {
      leaseId: claim.leaseId,
      status,
      bundleId: 'com.example.app',
      environment: 'sandbox',
      apnsId: APNS_ID,
      statusCode: status === 'accepted' ? 200 : 400,
      ...(status === 'accepted' ? { acceptedAt: ACCEPTED_AT } : { reason: 'BadDeviceToken' }),
      createdAt: CREATED_AT,
    });
  };
  const call = async (c: Call) => {
    const result = (await handler(event(c), context)) as HttpResult;
    return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
  };
  return {
    devices,
    deliveries,
    log,
    metrics,
    register,
    deliver,
    call,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

async function ready() {
  const t = await setup();
  await t.register('user-1', 'phone-1');
  await t.deliver('call-1', 'phone-1', 'user-1');
  return t;
}

describe('receipts handler', () => {
  it('answers 200 with both latencies when the owner posts a received receipt', async () => {
    const t = await ready();
    const res = await t.call({ body: { deviceId: 'phone-1', stage: 'received' } });
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({
      callId: 'call-1',
      deviceId: 'phone-1',
      stage: 'received',
      receivedAt: '2026-11-28T10:00:00.300Z',
      phoneLatencyMs: 180,
      endToEndMs: 300,
    });
    expect(t.deliveries.records.get(voipRecord('call-1', 'phone-1', 'user-1'))?.receivedAt).toBe(
      '2026-11-28T10:00:00.300Z',
    );
  });

  it('keeps the first receivedAt and answers the same values when a receipt is repeated', async () => {
    const t = await ready();
    const first = await t.call({ body: { deviceId: 'phone-1', stage: 'received' } });
    t.advance(5000);
    const again = await t.call({ body: { deviceId: 'phone-1', stage: 'received' } });
    expect(again.statusCode).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(t.metrics.sum('ReceiptReceived')).toBe(1);
    const lines = t.log.withMessage('receipt recorded');
    expect(lines.map((line) => line.data.duplicate)).toEqual([false, true]);
  });

  it('records reportedAt beside receivedAt when the reported stage follows', async () => {
    const t = await ready();
    await t.call({ body: { deviceId: 'phone-1', stage: 'received' } });
    t.advance(40);
    const res = await t.call({ body: { deviceId: 'phone-1', stage: 'reported' } });
    expect(res.json).toEqual({
      callId: 'call-1',
      deviceId: 'phone-1',
      stage: 'reported',
      receivedAt: '2026-11-28T10:00:00.300Z',
      reportedAt: '2026-11-28T10:00:00.340Z',
      phoneLatencyMs: 220,
      endToEndMs: 340,
    });
    expect(t.metrics.sum('ReceiptReceived')).toBe(1);
  });

  it('counts one ReceiptReceived with both latencies when reported arrives before received', async () => {
    const t = await ready();
    await t.call({ body: { deviceId: 'phone-1', stage: 'reported' } });
    t.advance(10);
    await t.call({ body: { deviceId: 'phone-1', stage: 'received' } });
    expect(t.metrics.sum('ReceiptReceived')).toBe(1);
    expect(t.metrics.recorded.filter((m) => m.name === 'PhoneLatency').map((m) => m.value)).toEqual([180]);
    expect(t.metrics.recorded.filter((m) => m.name === 'EndToEndLatency').map((m) => m.value)).toEqual([300]);
    expect(t.log.withMessage('receipt recorded').map((line) => line.data.firstReceipt)).toEqual([
      true,
      false,
    ]);
  });

  it('logs one receipt recorded line with the latencies when a receipt is stored', async () => {
    const t = await ready();
    await t.call({ body: { deviceId: 'phone-1', stage: 'received', apnsId: APNS_ID } });
    expect(t.log.withMessage('receipt recorded')).toEqual([
      {
        level: 'info',
        message: 'receipt recorded',
        data: {
          callId: 'call-1',
          deviceId: 'phone-1',
          stage: 'received',
          apnsId: APNS_ID,
          phoneLatencyMs: 180,
          endToEndMs: 300,
          duplicate: false,
          firstReceipt: true,
        },
      },
    ]);
    expect(t.log.withMessage('receipt apnsId differs')).toEqual([]);
  });

  it('accepts and warns when the apnsId differs from the record', async () => {
    const t = await ready();
    const other = '11111111-2222-4333-8444-555555555555';
    const res = await t.call({ body: { deviceId: 'phone-1', stage: 'received', apnsId: other } });
    expect(res.statusCode).toBe(200);
    expect(t.log.withMessage('receipt apnsId differs')[0]?.data).toMatchObject({
      receiptApnsId: other,
      recordApnsId: APNS_ID,
    });
  });

  it('answers 401 when the request has no subject', async () => {
    const t = await ready();
    const res = await t.call({ sub: null, body: { deviceId: 'phone-1', stage: 'received' } });
    expect(res.statusCode).toBe(401);
    expect(res.json.error.code).toBe('unauthorized');
  });

  it('answers the same 404 when the device belongs to another user as when it is unknown', async () => {
    const t = await ready();
    await t.register('user-2', 'phone-2');
    await t.deliver('call-1', 'phone-2', 'user-2');
    const foreign = await t.call({ sub: 'user-1', body: { deviceId: 'phone-2', stage: 'received' } });
    const unknown = await t.call({ sub: 'user-1', body: { deviceId: 'phone-9', stage: 'received' } });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).toBe(unknown.body);
    expect(foreign.json.error.code).toBe('not_found');
    expect(t.deliveries.records.get(voipRecord('call-1', 'phone-2', 'user-2'))?.receivedAt).toBeUndefined();
  });

  it('answers 404 when the record names another owner of the same device id', async () => {
    const t = await ready();
    await t.register('user-2', 'phone-1');
    const res = await t.call({ sub: 'user-2', body: { deviceId: 'phone-1', stage: 'received' } });
    expect(res.statusCode).toBe(404);
    expect(t.deliveries.records.get(voipRecord('call-1', 'phone-1', 'user-1'))?.receivedAt).toBeUndefined();
  });

  it('answers 404 when the call is unknown', async () => {
    const t = await ready();
    const res = await t.call({ callId: 'call-9', body: { deviceId: 'phone-1', stage: 'received' } });
    expect(res.statusCode).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });

  it('answers 404 when APNs never accepted the push', async () => {
    const t = await ready();
    await t.deliver('call-2', 'phone-1', 'user-1', 'failed');
    const res = await t.call({ callId: 'call-2', body: { deviceId: 'phone-1', stage: 'received' } });
    expect(res.statusCode).toBe(404);
    expect(t.metrics.recorded).toEqual([]);
  });

  it('answers 404 when the push is still being sent', async () => {
    const t = await ready();
    t.deliveries.holdLease(voipKey('call-3', 'phone-1', 'user-1'), 5000);
    const res = await t.call({ callId: 'call-3', body: { deviceId: 'phone-1', stage: 'received' } });
    expect(res.statusCode).toBe(404);
  });

  it('answers 400 naming the field when the stage is unknown', async () => {
    const t = await ready();
    const res = await t.call({ body: { deviceId: 'phone-1', stage: 'rang' } });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.details[0].field).toBe('stage');
  });

  it('answers 400 naming the field when the body has an unknown field', async () => {
    const t = await ready();
    const res = await t.call({ body: { deviceId: 'phone-1', stage: 'received', userId: 'user-2' } });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.details).toContainEqual({ field: 'userId', problem: 'is not a known field' });
  });

  it('answers 400 naming the field when the apnsId is not a UUID or the deviceId is malformed', async () => {
    const t = await ready();
    const badApns = await t.call({ body: { deviceId: 'phone-1', stage: 'received', apnsId: 'x' } });
    const badDevice = await t.call({ body: { deviceId: 'a b', stage: 'received' } });
    expect(badApns.json.error.details[0].field).toBe('apnsId');
    expect(badDevice.json.error.details[0].field).toBe('deviceId');
  });

  it('answers 400 naming the field when the callId is malformed', async () => {
    const t = await ready();
    const res = await t.call({ callId: 'a b', body: { deviceId: 'phone-1', stage: 'received' } });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.details[0].field).toBe('callId');
  });

  it('answers 400 naming the body when it is missing or not JSON', async () => {
    const t = await ready();
    const missing = await t.call({});
    const broken = await t.call({ body: '{"deviceId":' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json.error.details[0].field).toBe('body');
    expect(broken.statusCode).toBe(400);
    expect(broken.json.error.details[0].field).toBe('body');
  });

  it('answers 413 when the body is over 8 KiB', async () => {
    const t = await ready();
    const res = await t.call({
      body: JSON.stringify({ deviceId: 'phone-1', stage: 'received', pad: 'x'.repeat(8200) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json.error.code).toBe('payload_too_large');
  });

  it('answers 415 when the body is not JSON by content type', async () => {
    const t = await ready();
    const res = await t.call({
      body: { deviceId: 'phone-1', stage: 'received' },
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json.error.code).toBe('unsupported_media_type');
  });

  it('routes by raw path when the route key is $default', async () => {
    const t = await ready();
    const ok = await t.call({ routeKey: '$default', body: { deviceId: 'phone-1', stage: 'received' } });
    const wrong = await t.call({ routeKey: '$default', path: '/v1/calls/call-1', body: {} });
    expect(ok.statusCode).toBe(200);
    expect(wrong.statusCode).toBe(404);
  });

  it('flushes metrics only when a first receipt emitted them', async () => {
    const t = await ready();
    await t.call({ body: { deviceId: 'phone-1', stage: 'received' } });
    await t.call({ body: { deviceId: 'phone-1', stage: 'received' } });
    await t.call({ body: { deviceId: 'phone-1', stage: 'reported' } });
    expect(t.metrics.flushes).toBe(1);
  });
});

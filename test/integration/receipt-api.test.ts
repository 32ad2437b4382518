import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamodb/delivery-store';
import { startTestApi, type TestApi, tokenFor } from '../support/local-api';
import { testDocumentClient } from '../support/local-aws';

let api: TestApi;
let owner: string;
let stranger: string;
let deliveries: DynamoDeliveryStore;
const APNS_ID = '6a1c0000-0000-4000-8000-0000000000aa';

/** The key of a VoIP push's record, the one receipts land on. */
const voipKey = (callId: string, deviceId: string, userId: string) =>
  ({ callId, userId, deviceId, pushType: 'voip' }) as const;

/** A delivery record as the sender writes it: claim, then APNs' 200. */
async function accepted(callId: string, deviceId: string, userId: string) {
  const key = voipKey(callId, deviceId, userId);
  const claim = await deliveries.claim(key, 30_000);
  if (claim.kind !== 'claimed') throw new Error(`seed claim: ${claim.kind}`);
  await deliveries.complete(key, {
    leaseId: claim.leaseId,
    status: 'accepted',
    bundleId: 'com.example.voip',
    environment: 'sandbox',
    apnsId: APNS_ID,
    statusCode: 200,
    acceptedAt: new Date(Date.now() - 200).toISOString(),
    createdAt: new Date(Date.now() - 500).toISOString(),
  });
}

beforeAll(async () => {
  api = await startTestApi();
  deliveries = new DynamoDeliveryStore(testDocumentClient(api.dynamo), {
    tableName: api.tableNames.deliveries,
  });
  owner = await tokenFor('rx-owner');
  stranger = await tokenFor('rx-stranger');
  const device = (voipToken: string) => ({ bundleId: 'com.example.voip', environment: 'sandbox', voipToken });
  expect(
    (await api.call('PUT', '/v1/devices/rx-phone', { token: owner, body: device('7a'.repeat(32)) })).status,
  ).toBe(200);
  expect(
    (await api.call('PUT', '/v1/devices/rx-other', { token: stranger, body: device('7b'.repeat(32)) }))
      .status,
  ).toBe(200);
  await accepted('c-rx-1', 'rx-phone', 'rx-owner');
  await accepted('c-rx-1', 'rx-other', 'rx-stranger');
});

afterAll(() => api.close());

type ErrorBody = { error: { code: string; details?: Array<{ field: string }> } };

describe('receipts over the local API', () => {
  it('answers 200 with latencies and the same body again when the owner repeats a receipt', async () => {
    const body = { deviceId: 'rx-phone', apnsId: APNS_ID, stage: 'received' };
    const first = await api.call('POST', '/v1/calls/c-rx-1/receipts', { token: owner, body });
    const again = await api.call('POST', '/v1/calls/c-rx-1/receipts', { token: owner, body });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ callId: 'c-rx-1', deviceId: 'rx-phone', stage: 'received' });
    const view = first.json as { phoneLatencyMs: number; endToEndMs: number; receivedAt: string };
    expect(view.phoneLatencyMs).toBeGreaterThanOrEqual(200);
    expect(view.endToEndMs).toBeGreaterThanOrEqual(view.phoneLatencyMs + 300);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect((await deliveries.get(voipKey('c-rx-1', 'rx-phone', 'rx-owner')))?.receivedAt).toBe(
      view.receivedAt,
    );
  });

  it('answers the unknown-device 404 when a user posts for another user’s device', async () => {
    const foreign = await api.call('POST', '/v1/calls/c-rx-1/receipts', {
      token: owner,
      body: { deviceId: 'rx-other', stage: 'received' },
    });
    const unknown = await api.call('POST', '/v1/calls/c-rx-1/receipts', {
      token: owner,
      body: { deviceId: 'rx-nothing', stage: 'received' },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(unknown.text);
    expect((await deliveries.get(voipKey('c-rx-1', 'rx-other', 'rx-stranger')))?.receivedAt).toBeUndefined();
  });

  it('answers 404 and leaves the owner’s record alone when another user posts for a device of the same id', async () => {
    // The stranger also has a device called rx-phone, but the call rang only the owner's.
    const twin = { bundleId: 'com.example.voip', environment: 'sandbox', voipToken: '7c'.repeat(32) };
    expect((await api.call('PUT', '/v1/devices/rx-phone', { token: stranger, body: twin })).status).toBe(200);
    await accepted('c-rx-2', 'rx-phone', 'rx-owner');
    const foreign = await api.call('POST', '/v1/calls/c-rx-2/receipts', {
      token: stranger,
      body: { deviceId: 'rx-phone', stage: 'received' },
    });
    expect(foreign.status).toBe(404);
    expect((foreign.json as ErrorBody).error.code).toBe('not_found');
    expect((await deliveries.get(voipKey('c-rx-2', 'rx-phone', 'rx-owner')))?.receivedAt).toBeUndefined();

    // Once the call rang both devices, each user's receipt lands on that user's own record.
    await accepted('c-rx-2', 'rx-phone', 'rx-stranger');
    const own = await api.call('POST', '/v1/calls/c-rx-2/receipts', {
      token: stranger,
      body: { deviceId: 'rx-phone', stage: 'received' },
    });
    expect(own.status).toBe(200);
    expect((await deliveries.get(voipKey('c-rx-2', 'rx-phone', 'rx-stranger')))?.receivedAt).toBe(
      (own.json as { receivedAt: string }).receivedAt,
    );
    expect((await deliveries.get(voipKey('c-rx-2', 'rx-phone', 'rx-owner')))?.receivedAt).toBeUndefined();
  });

  it('answers 400 naming deviceId when it is missing', async () => {
    const res = await api.call('POST', '/v1/calls/c-rx-1/receipts', {
      token: owner,
      body: { stage: 'received' },
    });
    expect(res.status).toBe(400);
    expect((res.json as ErrorBody).error.details?.[0]?.field).toBe('deviceId');
  });

  it('answers 413 when the body is over 8 KiB', async () => {
    const res = await api.call('POST', '/v1/calls/c-rx-1/receipts', {
      token: owner,
      body: { deviceId: 'rx-phone', stage: 'received', pad: 'x'.repeat(9000) },
    });
    expect(res.status).toBe(413);
    expect((res.json as ErrorBody).error.code).toBe('payload_too_large');
  });

  it('answers 415 when the body is sent as text', async () => {
    const res = await api.call('POST', '/v1/calls/c-rx-1/receipts', {
      token: owner,
      body: JSON.stringify({ deviceId: 'rx-phone', stage: 'received' }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
  });
});

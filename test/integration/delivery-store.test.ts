import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamo-delivery-store';
import type { DeliveryCompletion } from '../../shared/ports/delivery-store';
import { createTestTables, testDocumentClient, testDynamoClient } from '../support/local-aws';

const client = testDynamoClient();
const doc = testDocumentClient(client);
let tableName: string;
let now = Date.parse('2026-11-28T10:00:05.000Z');
let store: DynamoDeliveryStore;
let seq = 0;
const ids = () => {
  seq += 1;
  return { callId: `call-${seq}`, deviceId: `dev-${seq}` };
};

const completion = (leaseId: string, overrides: Partial<DeliveryCompletion> = {}): DeliveryCompletion => ({
  leaseId,
  status: 'accepted',
  userId: 'user-1',
  bundleId: 'com.example.app',
  environment: 'production',
  pushType: 'voip',
  apnsId: '3f0d0000-0000-4000-8000-000000000001',
  statusCode: 200,
  acceptedAt: new Date(now).toISOString(),
  createdAt: '2026-11-28T10:00:00.000Z',
  ...overrides,
});

beforeAll(async () => {
  tableName = (await createTestTables(client)).deliveries;
  store = new DynamoDeliveryStore(doc, { tableName, now: () => now });
});
afterAll(() => client.destroy());

describe('DynamoDeliveryStore', () => {
  it('claims a new (call, device) and writes the documented record with a TTL when completed', async () => {
    const { callId, deviceId } = ids();
    const claim = await store.claim(callId, deviceId, 30_000);
    expect(claim.kind).toBe('claimed');
    if (claim.kind !== 'claimed') return;
    expect(await store.complete(callId, deviceId, completion(claim.leaseId))).toBe(true);
    expect(await store.get(callId, deviceId)).toEqual({
      callId,
      deviceId,
      status: 'accepted',
      leaseId: claim.leaseId,
      leaseUntil: now + 30_000,
      claims: 1,
      claimedAt: '2026-11-28T10:00:05.000Z',
      completedAt: '2026-11-28T10:00:05.000Z',
      expiresAt: Math.floor(now / 1000) + 7 * 86_400,
      userId: 'user-1',
      bundleId: 'com.example.app',
      environment: 'production',
      pushType: 'voip',
      apnsId: '3f0d0000-0000-4000-8000-000000000001',
      statusCode: 200,
      acceptedAt: '2026-11-28T10:00:05.000Z',
      createdAt: '2026-11-28T10:00:00.000Z',
    });
  });

  it('answers already_accepted when APNs accepted the push in an earlier attempt', async () => {
    const { callId, deviceId } = ids();
    const claim = await store.claim(callId, deviceId, 30_000);
    if (claim.kind === 'claimed') await store.complete(callId, deviceId, completion(claim.leaseId));
    const again = await store.claim(callId, deviceId, 30_000);
    expect(again).toMatchObject({
      kind: 'already_accepted',
      record: { status: 'accepted', apnsId: expect.any(String) },
    });
  });

  it('answers leased when another worker holds a live lease', async () => {
    const { callId, deviceId } = ids();
    await store.claim(callId, deviceId, 30_000);
    expect(await store.claim(callId, deviceId, 30_000)).toEqual({ kind: 'leased', leaseUntil: now + 30_000 });
  });

  it('lets exactly one of many concurrent claims win when a duplicate delivery races', async () => {
    const { callId, deviceId } = ids();
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim(callId, deviceId, 30_000)));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'leased')).toHaveLength(7);
  });

  it('takes over the lease when the earlier attempt never finished and its lease ran out', async () => {
    const { callId, deviceId } = ids();
    const first = await store.claim(callId, deviceId, 1_000);
    now += 1_001;
    const second = await store.claim(callId, deviceId, 30_000);
    expect(second.kind).toBe('claimed');
    expect((await store.get(callId, deviceId))?.claims).toBe(2);
    if (first.kind === 'claimed')
      expect(await store.complete(callId, deviceId, completion(first.leaseId))).toBe(false);
  });

  it('claims again when the earlier attempt ended failed', async () => {
    const { callId, deviceId } = ids();
    const first = await store.claim(callId, deviceId, 30_000);
    if (first.kind === 'claimed') {
      await store.complete(
        callId,
        deviceId,
        completion(first.leaseId, {
          status: 'failed',
          reason: 'retries_exhausted',
          statusCode: 503,
          acceptedAt: undefined,
        }),
      );
    }
    expect((await store.claim(callId, deviceId, 30_000)).kind).toBe('claimed');
  });

  it('returns undefined when no record exists for the (call, device)', async () => {
    expect(await store.get('nope', 'nope')).toBeUndefined();
  });
});

import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { callShard, deliveryKey } from '../../shared/adapters/dynamodb/delivery-key';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamodb/delivery-store';
import type {
  DeliveryCompletion,
  DeliveryKey,
  DeliveryResultRecord,
} from '../../shared/ports/delivery-store';
import { createTestTables, testDocumentClient, testDynamoClient } from '../support/local-aws';

const client = testDynamoClient();
const doc = testDocumentClient(client);
let tableName: string;
let now = Date.parse('2026-11-28T10:00:05.000Z');
let store: DynamoDeliveryStore;
let seq = 0;
const ids = (): DeliveryKey => {
  seq += 1;
  return { callId: `call-${seq}`, userId: 'user-1', deviceId: `dev-${seq}`, pushType: 'voip' };
};

const completion = (leaseId: string, overrides: Partial<DeliveryCompletion> = {}): DeliveryCompletion => ({
  leaseId,
  status: 'accepted',
  bundleId: 'com.example.app',
  environment: 'production',
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
    const key = ids();
    const { callId, deviceId } = key;
    const claim = await store.claim(key, 30_000);
    expect(claim.kind).toBe('claimed');
    if (claim.kind !== 'claimed') return;
    expect(await store.complete(key, completion(claim.leaseId))).toBe(true);
    expect(await store.get(key)).toEqual({
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
    const key = ids();
    const claim = await store.claim(key, 30_000);
    if (claim.kind === 'claimed') await store.complete(key, completion(claim.leaseId));
    const again = await store.claim(key, 30_000);
    expect(again).toMatchObject({
      kind: 'already_accepted',
      record: { status: 'accepted', apnsId: expect.any(String) },
    });
  });

  it('answers leased when another worker holds a live lease', async () => {
    const key = ids();
    await store.claim(key, 30_000);
    expect(await store.claim(key, 30_000)).toEqual({ kind: 'leased', leaseUntil: now + 30_000 });
  });

  it('lets exactly one of many concurrent claims win when a duplicate delivery races', async () => {
    const key = ids();
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim(key, 30_000)));
    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'leased')).toHaveLength(7);
  });

  it('takes over the lease when the earlier attempt never finished and its lease ran out', async () => {
    const key = ids();
    const first = await store.claim(key, 1_000);
    now += 1_001;
    const second = await store.claim(key, 30_000);
    expect(second.kind).toBe('claimed');
    expect((await store.get(key))?.claims).toBe(2);
    if (first.kind === 'claimed') expect(await store.complete(key, completion(first.leaseId))).toBe(false);
  });

  it('claims again when the earlier attempt ended failed', async () => {
    const key = ids();
    const first = await store.claim(key, 30_000);
    if (first.kind === 'claimed') {
      await store.complete(
        key,
        completion(first.leaseId, {
          status: 'failed',
          reason: 'retries_exhausted',
          statusCode: 503,
          acceptedAt: undefined,
        }),
      );
    }
    expect((await store.claim(key, 30_000)).kind).toBe('claimed');
  });

  it('answers already_sent and keeps the record when the earlier attempt ended failed ambiguous_delivery', async () => {
    const key = ids();
    const first = await store.claim(key, 1_000);
    if (first.kind !== 'claimed') throw new Error(`first claim: ${first.kind}`);
    await store.complete(
      key,
      completion(first.leaseId, { status: 'failed', reason: 'ambiguous_delivery', statusCode: undefined }),
    );
    now += 1_001;
    expect(await store.claim(key, 30_000)).toMatchObject({
      kind: 'already_sent',
      record: { status: 'failed', reason: 'ambiguous_delivery', leaseId: first.leaseId, claims: 1 },
    });
  });

  it('returns undefined when no record exists for the (call, device)', async () => {
    expect(
      await store.get({ callId: 'nope', userId: 'nope', deviceId: 'nope', pushType: 'voip' }),
    ).toBeUndefined();
  });

  it('keeps four independent records when two users share a deviceId and both push types are sent', async () => {
    seq += 1;
    const callId = `call-${seq}`;
    const keys: DeliveryKey[] = ['user-a', 'user-b'].flatMap((userId) =>
      (['voip', 'alert'] as const).map((pushType) => ({ callId, userId, deviceId: 'phone', pushType })),
    );
    const [first, ...others] = keys as [DeliveryKey, ...DeliveryKey[]];
    const claimed = await store.claim(first, 30_000);
    if (claimed.kind !== 'claimed') throw new Error(`first claim: ${claimed.kind}`);
    await store.complete(first, completion(claimed.leaseId));

    // Neither the other user's `phone` nor the alert of the same call is taken for that accepted push.
    const claims = await Promise.all(others.map((key) => store.claim(key, 30_000)));
    expect(claims.map((c) => c.kind)).toEqual(['claimed', 'claimed', 'claimed']);
    for (const [i, key] of others.entries()) {
      const claim = claims[i];
      if (claim?.kind === 'claimed')
        await store.complete(
          key,
          completion(claim.leaseId, { apnsId: `3f0d0000-0000-4000-8000-00000000001${i}` }),
        );
    }
    const records = await Promise.all(keys.map((key) => store.get(key)));
    expect(
      records.map((r) => [r?.userId, r?.deviceId, r?.pushType, r?.status, r?.claims, r?.apnsId]),
    ).toEqual([
      ['user-a', 'phone', 'voip', 'accepted', 1, '3f0d0000-0000-4000-8000-000000000001'],
      ['user-a', 'phone', 'alert', 'accepted', 1, '3f0d0000-0000-4000-8000-000000000010'],
      ['user-b', 'phone', 'voip', 'accepted', 1, '3f0d0000-0000-4000-8000-000000000011'],
      ['user-b', 'phone', 'alert', 'accepted', 1, '3f0d0000-0000-4000-8000-000000000012'],
    ]);
    for (const key of keys) expect((await store.claim(key, 30_000)).kind).toBe('already_accepted');

    // One partition per recipient's shard of the call (CALL#<callId>#<shard>).
    const items = [];
    for (const pk of new Set(keys.map((key) => deliveryKey(key).pk))) {
      const page = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
    }
    expect(items.every((item) => String(item.pk).startsWith(`CALL#${callId}#`))).toBe(true);
    expect(items.map((item) => item.sk).sort()).toEqual([
      'ALERT#DEVICE#phone#USER#user-a',
      'ALERT#DEVICE#phone#USER#user-b',
      'VOIP#DEVICE#phone#USER#user-a',
      'VOIP#DEVICE#phone#USER#user-b',
    ]);
  });

  describe('record (the default mode: one write per push, no lease)', () => {
    const result = (overrides: Partial<DeliveryResultRecord> = {}): DeliveryResultRecord => {
      const { leaseId: _leaseId, ...fields } = completion('unused');
      return { ...fields, ...overrides };
    };

    it('writes the documented record, without a lease, with a TTL when a push ends', async () => {
      const key = ids();
      expect(await store.record(key, result())).toBe(true);
      expect(await store.get(key)).toEqual({
        callId: key.callId,
        userId: 'user-1',
        deviceId: key.deviceId,
        pushType: 'voip',
        status: 'accepted',
        claims: 1,
        completedAt: new Date(now).toISOString(),
        expiresAt: Math.floor(now / 1000) + 7 * 86_400,
        bundleId: 'com.example.app',
        environment: 'production',
        apnsId: '3f0d0000-0000-4000-8000-000000000001',
        statusCode: 200,
        acceptedAt: new Date(now).toISOString(),
        createdAt: '2026-11-28T10:00:00.000Z',
      });
    });

    it('overwrites a failure but never an acceptance or its receipt when a later attempt records', async () => {
      const key = ids();
      expect(await store.record(key, result({ status: 'failed', reason: 'retries_exhausted' }))).toBe(true);
      expect(await store.record(key, result())).toBe(true);
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: deliveryKey(key),
          UpdateExpression: 'SET receivedAt = :at',
          ExpressionAttributeValues: { ':at': '2026-11-28T10:00:06.000Z' },
        }),
      );
      const late = result({ status: 'failed', reason: 'retries_exhausted', apnsId: 'other' });
      expect(await store.record(key, late)).toBe(false);
      expect(await store.record(key, result({ apnsId: 'second-accept' }))).toBe(false);
      expect(await store.get(key)).toMatchObject({
        status: 'accepted',
        apnsId: '3f0d0000-0000-4000-8000-000000000001',
        receivedAt: '2026-11-28T10:00:06.000Z',
        claims: 2,
      });
    });

    it("reads every record of the call's push kind for the given recipients, across shards and pages, when asked for a call", async () => {
      seq += 1;
      const callId = `call-${seq}`;
      const users = Array.from({ length: 40 }, (_, i) => `reader-${i}`);
      for (const userId of users) {
        for (const deviceId of ['a', 'b', 'c'])
          await store.record({ callId, userId, deviceId, pushType: 'voip' }, result());
      }
      // Two more recipients in one shard with 300 KB records: 1.2 MB there, so that Query pages.
      const shard = callShard('reader-0');
      const heavy = Array.from({ length: 200 }, (_, i) => `heavy-${i}`)
        .filter((u) => callShard(u) === shard)
        .slice(0, 2);
      for (const userId of heavy) {
        for (const deviceId of ['a', 'b'])
          await store.record(
            { callId, userId, deviceId, pushType: 'voip' },
            result({ reason: 'x'.repeat(300_000) }),
          );
      }
      users.push(...heavy);
      await store.record({ callId, userId: 'reader-0', deviceId: 'a', pushType: 'alert' }, result());
      await store.record({ callId, userId: 'stranger', deviceId: 'a', pushType: 'voip' }, result());
      const read = await store.readCall(callId, 'voip', users);
      expect(heavy).toHaveLength(2);
      expect(read).toHaveLength(124);
      expect(new Set(read.map((r) => `${r.userId}/${r.deviceId}`)).size).toBe(124);
      expect(read.every((r) => r.pushType === 'voip' && r.status === 'accepted' && !('pk' in r))).toBe(true);
      expect(await store.readCall(callId, 'alert', ['reader-0'])).toEqual([
        expect.objectContaining({ userId: 'reader-0', deviceId: 'a', pushType: 'alert' }),
      ]);
      expect(await store.readCall(`${callId}-none`, 'voip', users)).toEqual([]);
    });

    it('writes nothing under a strict-mode lease that still holds, and writes once it ran out', async () => {
      const key = ids();
      const claim = await store.claim(key, 1_000);
      expect(claim.kind).toBe('claimed');
      expect(await store.record(key, result())).toBe(false);
      expect((await store.get(key))?.status).toBe('sending');
      now += 1_001;
      expect(await store.record(key, result())).toBe(true);
      expect((await store.get(key))?.status).toBe('accepted');
    });
  });
});

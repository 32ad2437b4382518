import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { callShard, deliveryKey, receiptKey } from '../../shared/adapters/dynamodb/delivery-key';
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

  describe('recordBatch (the default mode: one item per batch of results, no lease)', () => {
    const result = (overrides: Partial<DeliveryResultRecord> = {}): DeliveryResultRecord => {
      const { leaseId: _leaseId, ...fields } = completion('unused');
      return { ...fields, ...overrides };
    };
    const batch = (key: DeliveryKey, overrides: Partial<DeliveryResultRecord> = {}) => ({
      callId: key.callId,
      pushType: key.pushType,
      group: callShard(key.userId),
      entries: [{ userId: key.userId, deviceId: key.deviceId, ...result(overrides) }],
    });
    const itemsOf = async (callId: string, userId: string) =>
      (
        await doc.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': `CALL#${callId}#${callShard(userId)}` },
            ConsistentRead: true,
          }),
        )
      ).Items ?? [];

    it('writes one item holding every device of the batch, read back as the documented records', async () => {
      const key = ids();
      const other = { ...key, deviceId: `${key.deviceId}-b` };
      await store.recordBatch({
        ...batch(key),
        entries: [
          ...batch(key).entries,
          {
            userId: other.userId,
            deviceId: other.deviceId,
            ...result({
              status: 'failed',
              reason: 'retries_exhausted',
              statusCode: 503,
              acceptedAt: undefined,
            }),
          },
        ],
      });
      const items = await itemsOf(key.callId, key.userId);
      expect(items).toHaveLength(1);
      expect(items[0]?.sk).toMatch(/^VOIP#BATCH#[0-9a-f-]{36}$/);
      expect(items[0]?.entries).toEqual([
        {
          u: 'user-1',
          d: key.deviceId,
          s: 'accepted',
          b: 'com.example.app',
          e: 'production',
          i: '3f0d0000-0000-4000-8000-000000000001',
          c: 200,
          a: new Date(now).toISOString(),
        },
        {
          u: 'user-1',
          d: other.deviceId,
          s: 'failed',
          b: 'com.example.app',
          e: 'production',
          i: '3f0d0000-0000-4000-8000-000000000001',
          c: 503,
          r: 'retries_exhausted',
        },
      ]);
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
      expect(await store.get(other)).toMatchObject({
        status: 'failed',
        reason: 'retries_exhausted',
        statusCode: 503,
      });
    });

    it('never hides an acceptance or its receipts behind a later batch, and a failure behind a later acceptance', async () => {
      const key = ids();
      await store.recordBatch(batch(key, { status: 'failed', reason: 'retries_exhausted' }));
      now += 1;
      await store.recordBatch(batch(key));
      await doc.send(
        new UpdateCommand({
          TableName: tableName,
          Key: receiptKey(key.callId, key.userId, key.deviceId),
          UpdateExpression: 'SET receivedAt = :at',
          ExpressionAttributeValues: { ':at': '2026-11-28T10:00:06.000Z' },
        }),
      );
      now += 1;
      await store.recordBatch(batch(key, { status: 'failed', reason: 'retries_exhausted', apnsId: 'other' }));
      await store.recordBatch(
        batch(key, { apnsId: 'second-accept', acceptedAt: new Date(now).toISOString() }),
      );
      expect(await store.get(key)).toMatchObject({
        status: 'accepted',
        apnsId: '3f0d0000-0000-4000-8000-000000000001',
        receivedAt: '2026-11-28T10:00:06.000Z',
        claims: 4,
      });
    });

    it('refuses a batch whose entries are not all of its read group', async () => {
      const key = ids();
      const elsewhere =
        Array.from({ length: 50 }, (_, i) => `u-${i}`).find((u) => callShard(u) !== callShard(key.userId)) ??
        '';
      await expect(
        store.recordBatch({
          ...batch(key),
          entries: [...batch(key).entries, { ...result(), userId: elsewhere, deviceId: key.deviceId }],
        }),
      ).rejects.toThrow(/read group/);
      expect(await itemsOf(key.callId, key.userId)).toEqual([]);
    });

    it("reads every delivery of the call's push kind for the given recipients, across shards, pages and item kinds", async () => {
      seq += 1;
      const callId = `call-${seq}`;
      const users = Array.from({ length: 40 }, (_, i) => `reader-${i}`);
      const byShard = new Map<string, string[]>();
      for (const u of users) byShard.set(callShard(u), [...(byShard.get(callShard(u)) ?? []), u]);
      for (const [group, members] of byShard)
        await store.recordBatch({
          callId,
          pushType: 'voip',
          group,
          entries: members.flatMap((userId) =>
            ['a', 'b', 'c'].map((deviceId) => ({ userId, deviceId, ...result() })),
          ),
        });
      // Two more recipients in one shard with 300 KB results: 1.2 MB there, so that Query pages.
      const shard = callShard('reader-0');
      const heavy = Array.from({ length: 200 }, (_, i) => `heavy-${i}`)
        .filter((u) => callShard(u) === shard)
        .slice(0, 2);
      for (const userId of heavy) {
        for (const deviceId of ['a', 'b'])
          await store.recordBatch(
            batch({ callId, userId, deviceId, pushType: 'voip' }, { reason: 'x'.repeat(300_000) }),
          );
      }
      users.push(...heavy);
      // A device record as strict mode (and earlier versions of the default mode) write it.
      const legacy = { callId, userId: 'legacy', deviceId: 'a', pushType: 'voip' as const };
      const claim = await store.claim(legacy, 30_000);
      if (claim.kind === 'claimed') await store.complete(legacy, completion(claim.leaseId));
      users.push('legacy');
      await store.recordBatch(batch({ callId, userId: 'reader-0', deviceId: 'a', pushType: 'alert' }));
      await store.recordBatch(batch({ callId, userId: 'stranger', deviceId: 'a', pushType: 'voip' }));
      const read = await store.readCall(callId, 'voip', users);
      expect(heavy).toHaveLength(2);
      expect(read).toHaveLength(125);
      expect(new Set(read.map((r) => `${r.userId}/${r.deviceId}`)).size).toBe(125);
      expect(read.every((r) => r.pushType === 'voip' && r.status === 'accepted' && !('pk' in r))).toBe(true);
      expect(await store.readCall(callId, 'alert', ['reader-0'])).toEqual([
        expect.objectContaining({ userId: 'reader-0', deviceId: 'a', pushType: 'alert' }),
      ]);
      expect(await store.readCall(`${callId}-none`, 'voip', users)).toEqual([]);
    });

    it('keeps a live strict-mode lease over a failure, and shows an acceptance over it', async () => {
      const key = ids();
      const claim = await store.claim(key, 1_000);
      expect(claim.kind).toBe('claimed');
      await store.recordBatch(batch(key, { status: 'failed', reason: 'retries_exhausted' }));
      expect((await store.get(key))?.status).toBe('sending');
      await store.recordBatch(batch(key));
      expect((await store.get(key))?.status).toBe('accepted');
    });
  });
});

import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import type { RegisterDeviceInput } from '../../shared/ports/device-repository';
import { createTestTables, testDocumentClient } from '../support/local-aws';

const token = (n: number, bytes = 32) => n.toString(16).padStart(2, '0').repeat(bytes);
const T0 = Date.parse('2026-11-28T10:00:00.000Z');

let documents: DynamoDBDocumentClient;
let tableName: string;

beforeAll(async () => {
  documents = testDocumentClient();
  tableName = (await createTestTables(documents as never)).devices;
});

afterAll(() => documents.destroy());

function repo(): DynamoDeviceRepository {
  return new DynamoDeviceRepository({ client: documents, tableName, clock: () => new Date(T0) });
}

let unique = 0;
/** A fresh user id per test: every test works in its own partitions of the shared table. */
const user = (name: string) => `${name}-${++unique}-${Math.random().toString(36).slice(2, 8)}`;

function input(
  userId: string,
  deviceId: string,
  voipToken: string,
  at = 0,
  extra: Partial<RegisterDeviceInput> = {},
) {
  return {
    userId,
    deviceId,
    bundleId: 'com.example.app',
    environment: 'production' as const,
    voipToken,
    now: new Date(T0 + at),
    maxDevicesPerUser: 3,
    ttlDays: 180,
    ...extra,
  };
}

async function owner(voipToken: string) {
  const got = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: `TOKEN#${voipToken}`, sk: 'OWNER' },
      ConsistentRead: true,
    }),
  );
  return got.Item;
}

async function rawDevice(userId: string, deviceId: string) {
  const got = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: `USER#${userId}`, sk: `DEVICE#${deviceId}` },
      ConsistentRead: true,
    }),
  );
  return got.Item;
}

describe('DynamoDeviceRepository', () => {
  it('registers, gets, lists and removes a device when used in turn', async () => {
    const r = repo();
    const u = user('u');
    const t = token(1);
    const { device } = await r.register(input(u, 'd1', t, 0, { alertToken: token(2, 20), locale: 'en-US' }));
    expect(device).toMatchObject({
      userId: u,
      deviceId: 'd1',
      voipToken: t,
      alertToken: token(2, 20),
      locale: 'en-US',
    });
    expect(await r.get(u, 'd1')).toEqual(device);
    expect(await r.listByUser(u)).toEqual([device]);
    await r.remove(u, 'd1');
    await r.remove(u, 'd1');
    expect(await r.get(u, 'd1')).toBeUndefined();
    expect(await r.listByUser(u)).toEqual([]);
    expect(await owner(t)).toBeUndefined();
    expect(await owner(token(2, 20))).toBeUndefined();
  });

  it('sets expiresAt to updatedAt plus the TTL days when a device registers', async () => {
    const u = user('u');
    await repo().register(input(u, 'd1', token(3), 0, { ttlDays: 30 }));
    const expected = Math.floor(T0 / 1000) + 30 * 86_400;
    expect((await rawDevice(u, 'd1'))?.expiresAt).toBe(expected);
    expect((await owner(token(3)))?.expiresAt).toBe(expected);
  });

  it('keeps createdAt and bumps updatedAt when the same registration repeats', async () => {
    const r = repo();
    const u = user('u');
    await r.register(input(u, 'd1', token(4)));
    const { device, moved } = await r.register(input(u, 'd1', token(4), 60_000));
    expect(device.createdAt).toBe(new Date(T0).toISOString());
    expect(device.updatedAt).toBe(new Date(T0 + 60_000).toISOString());
    expect(moved).toEqual([]);
  });

  it('moves the token to the new user when another user registers it', async () => {
    const r = repo();
    const [a, b] = [user('a'), user('b')];
    const t = token(5);
    await r.register(input(a, 'phone', t));
    const { moved } = await r.register(input(b, 'phone', t, 1000));
    expect(moved).toEqual([{ kind: 'voip', fromUserId: a, fromDeviceId: 'phone' }]);
    expect((await r.get(a, 'phone'))?.voipToken).toBeUndefined();
    expect(await owner(t)).toMatchObject({ userId: b, deviceId: 'phone', kind: 'voip' });
  });

  it('moves the token between devices of one user when the app reinstalls with a new device id', async () => {
    const r = repo();
    const u = user('u');
    const t = token(6);
    await r.register(input(u, 'old', t));
    const { moved } = await r.register(input(u, 'new', t, 1000));
    expect(moved).toEqual([{ kind: 'voip', fromUserId: u, fromDeviceId: 'old' }]);
    expect((await r.get(u, 'old'))?.voipToken).toBeUndefined();
    expect(await owner(t)).toMatchObject({ userId: u, deviceId: 'new' });
  });

  it('releases the previous token when a device registers a new one', async () => {
    const r = repo();
    const u = user('u');
    await r.register(input(u, 'd1', token(7)));
    await r.register(input(u, 'd1', token(8), 1000));
    expect(await owner(token(7))).toBeUndefined();
    expect(await owner(token(8))).toMatchObject({ deviceId: 'd1' });
  });

  it('leaves exactly one owner and one holder when 10 users register one token at once', async () => {
    const r = repo();
    const t = token(9);
    const users = Array.from({ length: 10 }, () => user('racer'));
    const results = await Promise.allSettled(users.map((u, i) => r.register(input(u, 'phone', t, i))));
    expect(results.filter((result) => result.status === 'fulfilled').length).toBeGreaterThan(0);
    const holders = (await Promise.all(users.map((u) => r.get(u, 'phone')))).filter(
      (d) => d?.voipToken === t,
    );
    expect(holders).toHaveLength(1);
    expect(await owner(t)).toMatchObject({ userId: holders[0]?.userId, deviceId: 'phone' });
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
  });

  it('evicts the least recently updated device when a new device exceeds the cap of 3', async () => {
    const r = repo();
    const u = user('u');
    await r.register(input(u, 'a', token(10), 0));
    await r.register(input(u, 'b', token(11), 1000));
    await r.register(input(u, 'c', token(12), 2000));
    await r.register(input(u, 'a', token(10), 3000));
    const { evicted } = await r.register(input(u, 'd', token(13), 4000));
    expect(evicted).toEqual(['b']);
    expect((await r.listByUser(u)).map((d) => d.deviceId)).toEqual(['a', 'c', 'd']);
    expect(await owner(token(11))).toBeUndefined();
  });

  it('never exceeds the cap when 8 new devices of one user register at once', async () => {
    const r = repo();
    const u = user('u');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => r.register(input(u, `d${i}`, token(20 + i), i))),
    );
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    const devices = await r.listByUser(u);
    expect(devices).toHaveLength(3);
    for (const device of devices)
      expect(await owner(device.voipToken as string)).toMatchObject({ deviceId: device.deviceId });
    const meta = await documents.send(
      new GetCommand({ TableName: tableName, Key: { pk: `USER#${u}`, sk: 'META' }, ConsistentRead: true }),
    );
    expect(meta.Item?.deviceCount).toBe(3);
  });

  it('prunes a token only when the device still holds it and registered it before the cutoff', async () => {
    const r = repo();
    const u = user('u');
    const t = token(30);
    await r.register(input(u, 'd1', t));
    const base = { userId: u, deviceId: 'd1', kind: 'voip' as const };
    expect(await r.pruneToken({ ...base, token: token(31) })).toBe(false);
    expect(await r.pruneToken({ ...base, token: t, registeredBefore: new Date(T0) })).toBe(false);
    expect(await r.pruneToken({ ...base, token: t, registeredBefore: new Date(T0 + 1) })).toBe(true);
    expect(await r.pruneToken({ ...base, token: t })).toBe(false);
    expect((await r.get(u, 'd1'))?.voipToken).toBeUndefined();
    expect(await owner(t)).toBeUndefined();
  });

  it('does not prune the new holder when the token moved to another user after the push', async () => {
    const r = repo();
    const [a, b] = [user('a'), user('b')];
    const t = token(32);
    await r.register(input(a, 'd1', t));
    await r.register(input(b, 'd2', t, 1000));
    expect(await r.pruneToken({ userId: a, deviceId: 'd1', kind: 'voip', token: t })).toBe(false);
    expect(await owner(t)).toMatchObject({ userId: b, deviceId: 'd2' });
  });

  it('hides a device when its TTL has passed but the item is still stored', async () => {
    const u = user('u');
    await repo().register(input(u, 'd1', token(33), 0, { ttlDays: 1 }));
    const later = new DynamoDeviceRepository({
      client: documents,
      tableName,
      clock: () => new Date(T0 + 2 * 86_400_000),
    });
    expect(await later.get(u, 'd1')).toBeUndefined();
    expect(await later.listByUser(u)).toEqual([]);
  });
});

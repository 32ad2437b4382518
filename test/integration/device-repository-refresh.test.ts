import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import {
  registration as input,
  CONTRACT_T0 as T0,
  token,
  aUser as user,
} from '../kit/device-repository-contract';
import { createTestTables, testDocumentClient } from '../support/local-aws';

let documents: DynamoDBDocumentClient;
let tableName: string;

beforeAll(async () => {
  documents = testDocumentClient();
  tableName = (await createTestTables(documents as never)).devices;
});

afterAll(() => documents.destroy());

/** Every command the repository sends, by name, in order. */
function counted(options: { knownDevices?: number } = {}) {
  const sent: string[] = [];
  const client = new Proxy(documents, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (command: { constructor: { name: string } }) => {
        sent.push(command.constructor.name);
        return target.send(command as never);
      };
    },
  });
  const repository = new DynamoDeviceRepository({
    client,
    tableName,
    clock: () => new Date(T0),
    ...options,
  });
  return { repository, sent, reset: () => sent.splice(0) };
}

async function item(pk: string, sk: string) {
  const got = await documents.send(
    new GetCommand({ TableName: tableName, Key: { pk, sk }, ConsistentRead: true }),
  );
  return got.Item;
}
const owner = (t: string) => item(`TOKEN#${t}`, 'OWNER');
const rawDevice = (u: string, d: string) => item(`USER#${u}`, `DEVICE#${d}`);

const expiresAt = (at: number, days = 180) => Math.floor((T0 + at) / 1000) + days * 86_400;
const withoutUser = (record: Record<string, unknown> | undefined, userId: string) =>
  JSON.parse(JSON.stringify(record ?? null).replaceAll(userId, 'USER'));

describe('DynamoDeviceRepository refresh without reads', () => {
  it('writes once and keeps createdAt when a device re-registers with the same tokens', async () => {
    const { repository, sent, reset } = counted();
    const u = user('u');
    const first = await repository.register(input(u, 'd1', token(1), 0, { alertToken: token(2, 20) }));
    reset();
    const again = await repository.register(
      input(u, 'd1', token(1), 60_000, { alertToken: token(2, 20), appVersion: '2.0', locale: 'de-DE' }),
    );
    expect(sent).toEqual(['TransactWriteCommand']);
    expect(again).toEqual({
      device: {
        ...first.device,
        updatedAt: new Date(T0 + 60_000).toISOString(),
        appVersion: '2.0',
        locale: 'de-DE',
      },
      moved: [],
      evicted: [],
    });
    expect(await repository.get(u, 'd1')).toEqual(again.device);
    expect(await rawDevice(u, 'd1')).toMatchObject({ version: 2, expiresAt: expiresAt(60_000) });
    for (const t of [token(1), token(2, 20)]) {
      expect(await owner(t)).toMatchObject({
        userId: u,
        deviceId: 'd1',
        registeredAt: new Date(T0 + 60_000).toISOString(),
        expiresAt: expiresAt(60_000),
      });
    }
  });

  it('stores the same items as the read-and-plan path when a refresh repeats with fewer attributes', async () => {
    const fast = counted();
    const slow = counted({ knownDevices: 0 });
    const [a, b] = [user('fast'), user('slow')];
    for (const [{ repository }, u, n] of [
      [fast, a, 3],
      [slow, b, 5],
    ] as const) {
      await repository.register(
        input(u, 'd1', token(n), 0, { alertToken: token(n + 1), appVersion: '1.0', locale: 'en-US' }),
      );
      await repository.register(
        input(u, 'd1', token(n), 5000, {
          alertToken: token(n + 1),
          bundleId: 'com.example.other',
          ttlDays: 30,
        }),
      );
    }
    expect(fast.sent.filter((name) => name === 'QueryCommand')).toHaveLength(1);
    expect(slow.sent.filter((name) => name === 'QueryCommand')).toHaveLength(2);
    // The two users hold different tokens; everything else stored must be the same.
    const same = (record: Record<string, unknown> | undefined, userId: string) => {
      const { pk: _pk, voipToken: _v, alertToken: _a, ...rest } = withoutUser(record, userId);
      return rest;
    };
    expect(same(await rawDevice(a, 'd1'), a)).toEqual(same(await rawDevice(b, 'd1'), b));
    expect(same(await owner(token(3)), a)).toEqual(same(await owner(token(5)), b));
    expect(same(await owner(token(4)), a)).toEqual(same(await owner(token(6)), b));
    expect((await rawDevice(a, 'd1'))?.appVersion).toBeUndefined();
    expect((await owner(token(4)))?.expiresAt).toBe(expiresAt(5000, 30));
  });

  it('falls back to reading and releases the old token when the tokens changed', async () => {
    const { repository, sent, reset } = counted();
    const u = user('u');
    await repository.register(input(u, 'd1', token(7)));
    reset();
    const { device } = await repository.register(input(u, 'd1', token(8), 1000));
    expect(sent[0]).toBe('QueryCommand');
    expect(device).toMatchObject({ voipToken: token(8), createdAt: new Date(T0).toISOString() });
    expect(await owner(token(7))).toBeUndefined();
    expect(await owner(token(8))).toMatchObject({ deviceId: 'd1' });
  });

  it('falls back and registers a new device when another process removed it', async () => {
    const { repository, sent, reset } = counted();
    const other = counted();
    const u = user('u');
    await repository.register(input(u, 'd1', token(9)));
    await other.repository.remove(u, 'd1');
    reset();
    const { device } = await repository.register(input(u, 'd1', token(9), 1000));
    expect(sent.slice(0, 2)).toEqual(['TransactWriteCommand', 'QueryCommand']);
    expect(device.createdAt).toBe(new Date(T0 + 1000).toISOString());
    expect(await rawDevice(u, 'd1')).toMatchObject({ version: 1 });
    expect(await item(`USER#${u}`, 'META')).toMatchObject({ deviceCount: 1 });
    expect(await owner(token(9))).toMatchObject({ userId: u, deviceId: 'd1' });
  });

  it('falls back and answers the new createdAt when another process removed and re-registered it', async () => {
    const { repository } = counted();
    const other = counted();
    const u = user('u');
    await repository.register(input(u, 'd1', token(10)));
    await other.repository.remove(u, 'd1');
    await other.repository.register(input(u, 'd1', token(10), 500));
    const { device } = await repository.register(input(u, 'd1', token(10), 1000));
    expect(device.createdAt).toBe(new Date(T0 + 500).toISOString());
    expect(device.updatedAt).toBe(new Date(T0 + 1000).toISOString());
  });

  it('falls back and takes the token back when another user took it in between', async () => {
    const { repository, sent, reset } = counted();
    const other = counted();
    const [a, b] = [user('a'), user('b')];
    const t = token(11);
    await repository.register(input(a, 'phone', t));
    await other.repository.register(input(b, 'phone', t, 500));
    reset();
    const { moved } = await repository.register(input(a, 'phone', t, 1000));
    expect(sent[0]).toBe('TransactWriteCommand');
    expect(sent).toContain('QueryCommand');
    expect(moved).toEqual([{ kind: 'voip', fromUserId: b, fromDeviceId: 'phone' }]);
    expect((await repository.get(b, 'phone'))?.voipToken).toBeUndefined();
    expect(await owner(t)).toMatchObject({ userId: a, deviceId: 'phone' });
  });

  it('writes nothing in the refresh and falls back when the owner item changed under an unchanged device', async () => {
    const { repository, sent, reset } = counted();
    const u = user('u');
    const t = token(12);
    await repository.register(input(u, 'd1', t));
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { pk: `TOKEN#${t}`, sk: 'OWNER' },
        UpdateExpression: 'SET deviceId = :other',
        ExpressionAttributeValues: { ':other': 'elsewhere' },
      }),
    );
    reset();
    const { device, moved } = await repository.register(input(u, 'd1', t, 1000));
    expect(sent[0]).toBe('TransactWriteCommand');
    expect(sent).toContain('QueryCommand');
    expect(moved).toEqual([{ kind: 'voip', fromUserId: u, fromDeviceId: 'elsewhere' }]);
    expect(device.updatedAt).toBe(new Date(T0 + 1000).toISOString());
    expect(await owner(t)).toMatchObject({ userId: u, deviceId: 'd1', expiresAt: expiresAt(1000) });
    // One write by the first registration, one by the fallback: the cancelled refresh wrote nothing.
    expect(await rawDevice(u, 'd1')).toMatchObject({ version: 2 });
  });

  it('leaves one owner and one holder when refreshes race registrations of the same token by others', async () => {
    const { repository } = counted();
    const t = token(13);
    const home = user('home');
    await repository.register(input(home, 'phone', t));
    const racers = Array.from({ length: 6 }, () => user('racer'));
    const results = await Promise.allSettled([
      ...Array.from({ length: 6 }, (_, i) => repository.register(input(home, 'phone', t, 10 + i))),
      ...racers.map((u, i) => counted().repository.register(input(u, 'phone', t, 20 + i))),
    ]);
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    const holders = (await Promise.all([home, ...racers].map((u) => repository.get(u, 'phone')))).filter(
      (d) => d?.voipToken === t,
    );
    expect(holders).toHaveLength(1);
    expect(await owner(t)).toMatchObject({ userId: holders[0]?.userId, deviceId: 'phone' });
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `USER#${home}` },
        ConsistentRead: true,
      }),
    );
    expect(page.Items?.filter((i) => i.type === 'device')).toHaveLength(1);
  });

  it('does not try a refresh when the device was never registered through this repository', async () => {
    const { repository, sent, reset } = counted();
    const u = user('u');
    await counted().repository.register(input(u, 'd1', token(14)));
    reset();
    await repository.register(input(u, 'd1', token(14), 1000));
    expect(sent[0]).toBe('QueryCommand');
    expect(sent.filter((name) => name === TransactWriteCommand.name)).toHaveLength(1);
  });
});

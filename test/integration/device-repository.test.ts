import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tokenPk } from '../../shared/adapters/dynamodb/device-items';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import type { Platform, TokenKind } from '../../shared/domain/device';
import {
  describeDeviceRepositoryContract,
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

function repo(clock: () => Date = () => new Date(T0)): DynamoDeviceRepository {
  return new DynamoDeviceRepository({ client: documents, tableName, clock });
}

async function owner(token: string, platform: Platform = 'ios') {
  const got = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: tokenPk(token, platform), sk: 'OWNER' },
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

describeDeviceRepositoryContract('DynamoDeviceRepository on DynamoDB Local', () => {
  let now = T0;
  return {
    repository: repo(() => new Date(now)),
    setNow: (ms) => {
      now = ms;
    },
    ownerOf: async (t, platform) => {
      const item = await owner(t, platform);
      return item && { userId: item.userId, deviceId: item.deviceId, kind: item.kind as TokenKind };
    },
  };
});

describe('DynamoDeviceRepository', () => {
  it('sets expiresAt to updatedAt plus the TTL days when a device registers', async () => {
    const u = user('u');
    await repo().register(input(u, 'd1', token(3), 0, { ttlDays: 30 }));
    const expected = Math.floor(T0 / 1000) + 30 * 86_400;
    expect((await rawDevice(u, 'd1'))?.expiresAt).toBe(expected);
    expect((await owner(token(3)))?.expiresAt).toBe(expected);
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
});

import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tokenPk } from '../../shared/adapters/dynamodb/device-items';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { androidRegistration, aUser, CONTRACT_T0 } from '../kit/device-repository-contract';
import { createTestTables, testDocumentClient } from '../support/local-aws';

/**
 * FCM tokens up to the API's 4096 characters on DynamoDB Local: beyond what a partition key holds
 * (2048 bytes), so their owner item is keyed by the token's hash; ownership stays exact and
 * case-sensitive.
 */
let documents: DynamoDBDocumentClient;
let tableName: string;

beforeAll(async () => {
  documents = testDocumentClient();
  tableName = (await createTestTables(documents as never)).devices;
});
afterAll(() => documents.destroy());

const repo = () =>
  new DynamoDeviceRepository({ client: documents, tableName, clock: () => new Date(CONTRACT_T0) });
const longToken = (head: string) => `${head}:APA91b_${'xY-z9'.repeat(900)}`.slice(0, 4096);

async function ownerOf(token: string) {
  const got = await documents.send(
    new GetCommand({
      TableName: tableName,
      Key: { pk: tokenPk(token, 'android'), sk: 'OWNER' },
      ConsistentRead: true,
    }),
  );
  return got.Item as { userId: string; deviceId: string } | undefined;
}

describe('DynamoDeviceRepository with FCM tokens longer than a partition key', () => {
  it('keys a long token by its hash and a short one as it is', () => {
    expect(tokenPk(longToken('a'), 'android')).toMatch(/^TOKEN#FCM#SHA256#[0-9a-f]{64}$/);
    expect(tokenPk('fTok:APA91b', 'android')).toBe('TOKEN#FCM#fTok:APA91b');
    expect(Buffer.byteLength(tokenPk('k'.repeat(4096), 'android'))).toBeLessThan(2048);
  });

  it('stores a 4096-character token exactly and moves it to its new owner', async () => {
    const r = repo();
    const [a, b] = [aUser('long-a'), aUser('long-b')];
    const token = longToken('Move');
    const first = await r.register(androidRegistration(a, 'phone', token));
    expect(first.device.fcmToken).toBe(token);
    expect(await ownerOf(token)).toMatchObject({ userId: a, deviceId: 'phone' });

    const { moved } = await r.register(androidRegistration(b, 'tablet', token, 1000));
    expect(moved).toEqual([{ kind: 'fcm', fromUserId: a, fromDeviceId: 'phone' }]);
    expect((await r.get(a, 'phone'))?.fcmToken).toBeUndefined();
    expect(await ownerOf(token)).toMatchObject({ userId: b, deviceId: 'tablet' });
  });

  it('keeps two long tokens that differ only in case apart', async () => {
    const r = repo();
    const [a, b] = [aUser('case-a'), aUser('case-b')];
    const upper = longToken('CASE');
    const lower = longToken('case');
    await r.register(androidRegistration(a, 'd', upper));
    const { moved } = await r.register(androidRegistration(b, 'd', lower, 1000));
    expect(moved).toEqual([]);
    expect((await r.get(a, 'd'))?.fcmToken).toBe(upper);
  });

  it('prunes a long token and frees its owner item when FCM unregistered it', async () => {
    const r = repo();
    const u = aUser('prune');
    const token = longToken('Prune');
    await r.register(androidRegistration(u, 'd', token));
    const pruned = await r.pruneToken({
      userId: u,
      deviceId: 'd',
      kind: 'voip',
      token,
      registeredBefore: new Date(CONTRACT_T0 + 1),
    });
    expect(pruned).toBe(true);
    expect((await r.get(u, 'd'))?.fcmToken).toBeUndefined();
    expect(await ownerOf(token)).toBeUndefined();
  });
});

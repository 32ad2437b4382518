import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { callShard, deliveryKey, receiptKey } from '../../shared/adapters/dynamodb/delivery-key';
import { DynamoDeliveryStore } from '../../shared/adapters/dynamodb/delivery-store';
import { DynamoReceiptStore } from '../../shared/adapters/dynamodb/receipt-store';
import type { DeliveryCompletion, DeliveryKey } from '../../shared/ports/delivery-store';
import { createTestTables, testDocumentClient, testDynamoClient } from '../support/local-aws';

const client = testDynamoClient();
const doc = testDocumentClient(client);
const now = Date.parse('2026-11-28T10:00:05.000Z');
let deliveries: DynamoDeliveryStore;
let receipts: DynamoReceiptStore;
let tableName: string;
let seq = 0;
const ids = () => {
  seq += 1;
  return { callId: `call-${seq}`, deviceId: `dev-${seq}` };
};
const AT = '2026-11-28T10:00:05.250Z';
/** The key of the VoIP push's record, the one receipts land on. */
const voipKey = (callId: string, deviceId: string, userId = 'user-1'): DeliveryKey => ({
  callId,
  userId,
  deviceId,
  pushType: 'voip',
});

const completion = (leaseId: string, overrides: Partial<DeliveryCompletion> = {}): DeliveryCompletion => ({
  leaseId,
  status: 'accepted',
  bundleId: 'com.example.app',
  environment: 'sandbox',
  apnsId: '3f0d0000-0000-4000-8000-000000000001',
  statusCode: 200,
  acceptedAt: new Date(now).toISOString(),
  createdAt: '2026-11-28T10:00:00.000Z',
  ...overrides,
});

type SeedOptions = Partial<DeliveryCompletion & Pick<DeliveryKey, 'userId' | 'pushType'>>;
type Seed = (callId: string, deviceId: string, options?: SeedOptions) => Promise<void>;

/** Seeds a delivery as strict mode (and earlier versions) write it: claim, then complete. */
const seedRecord: Seed = async (
  callId,
  deviceId,
  { userId = 'user-1', pushType = 'voip', ...overrides } = {},
) => {
  const key = { callId, userId, deviceId, pushType };
  const claim = await deliveries.claim(key, 30_000);
  if (claim.kind !== 'claimed') throw new Error(`seed claim: ${claim.kind}`);
  await deliveries.complete(key, completion(claim.leaseId, overrides));
};

/** Seeds a delivery as the default mode writes it: one batch of results. */
const seedBatch: Seed = async (
  callId,
  deviceId,
  { userId = 'user-1', pushType = 'voip', ...overrides } = {},
) => {
  const { leaseId: _leaseId, ...result } = completion('unused', overrides);
  await deliveries.recordBatch({
    callId,
    pushType,
    group: callShard(userId),
    entries: [{ userId, deviceId, ...result }],
  });
};

const SEEDS: ReadonlyArray<readonly [string, Seed]> = [
  ['batch (the default mode)', seedBatch],
  ['device record (strict mode, earlier versions)', seedRecord],
];

beforeAll(async () => {
  tableName = (await createTestTables(client)).deliveries;
  deliveries = new DynamoDeliveryStore(doc, { tableName, now: () => now });
  receipts = new DynamoReceiptStore({ client: doc, tableName });
});
afterAll(() => client.destroy());

describe.each(SEEDS)('DynamoReceiptStore on a %s', (_kind, seed) => {
  it("sets receivedAt and keeps the delivery's TTL when the first receipt arrives", async () => {
    const { callId, deviceId } = ids();
    await seed(callId, deviceId);
    const before = await deliveries.get(voipKey(callId, deviceId));
    const write = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'received',
      at: AT,
    });
    expect(write).toEqual({ kind: 'recorded', previous: before });
    const after = await deliveries.get(voipKey(callId, deviceId));
    expect(after).toEqual({ ...before, receivedAt: AT });
    expect(after?.expiresAt).toBe(before?.expiresAt);
  });

  it('keeps the first value and returns the stored record when a stage repeats', async () => {
    const { callId, deviceId } = ids();
    await seed(callId, deviceId);
    await receipts.recordStage({ callId, deviceId, userId: 'user-1', stage: 'received', at: AT });
    const again = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'received',
      at: '2026-11-28T10:00:09.000Z',
    });
    expect(again.kind).toBe('not_recorded');
    expect(again.kind === 'not_recorded' && again.current?.receivedAt).toBe(AT);
  });

  it('records reportedAt beside receivedAt and shows the earlier stage in the old image', async () => {
    const { callId, deviceId } = ids();
    await seed(callId, deviceId);
    await receipts.recordStage({ callId, deviceId, userId: 'user-1', stage: 'received', at: AT });
    const reported = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'reported',
      at: '2026-11-28T10:00:05.300Z',
    });
    expect(reported.kind === 'recorded' && reported.previous.receivedAt).toBe(AT);
    const record = await deliveries.get(voipKey(callId, deviceId));
    expect([record?.receivedAt, record?.reportedAt]).toEqual([AT, '2026-11-28T10:00:05.300Z']);
  });

  it('writes exactly one first receipt when received and reported race', async () => {
    const { callId, deviceId } = ids();
    await seed(callId, deviceId);
    const writes = await Promise.all(
      (['received', 'reported', 'received', 'reported'] as const).map((stage) =>
        receipts.recordStage({ callId, deviceId, userId: 'user-1', stage, at: AT }),
      ),
    );
    const recorded = writes.filter((w) => w.kind === 'recorded');
    expect(recorded).toHaveLength(2);
    const firsts = recorded.filter((w) => !w.previous.receivedAt && !w.previous.reportedAt);
    expect(firsts).toHaveLength(1);
  });

  it('creates nothing when there is no delivery record', async () => {
    const { callId, deviceId } = ids();
    const write = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'received',
      at: AT,
    });
    expect(write).toEqual({ kind: 'not_recorded', current: undefined });
    expect(await deliveries.get(voipKey(callId, deviceId))).toBeUndefined();
  });

  it('refuses the write when APNs did not accept the push', async () => {
    const { callId, deviceId } = ids();
    await seed(callId, deviceId, {
      status: 'failed',
      statusCode: 400,
      reason: 'BadDeviceToken',
      acceptedAt: undefined,
    });
    const write = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'received',
      at: AT,
    });
    expect(write.kind).toBe('not_recorded');
    expect((await deliveries.get(voipKey(callId, deviceId)))?.receivedAt).toBeUndefined();
  });

  it('refuses the write when the push is still leased', async () => {
    const { callId, deviceId } = ids();
    await deliveries.claim(voipKey(callId, deviceId), 30_000);
    const write = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'received',
      at: AT,
    });
    expect(write.kind === 'not_recorded' && write.current?.status).toBe('sending');
  });

  it('refuses the write when the record names another user', async () => {
    const { callId, deviceId } = ids();
    await seed(callId, deviceId, { userId: 'user-2' });
    const write = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'received',
      at: AT,
    });
    expect(write.kind).toBe('not_recorded');
    expect((await deliveries.get(voipKey(callId, deviceId, 'user-2')))?.receivedAt).toBeUndefined();
  });

  it('writes only the caller’s record when two users’ devices share a deviceId', async () => {
    const { callId } = ids();
    await seed(callId, 'phone', { userId: 'user-1' });
    await seed(callId, 'phone', { userId: 'user-2' });
    const write = await receipts.recordStage({
      callId,
      deviceId: 'phone',
      userId: 'user-2',
      stage: 'received',
      at: AT,
    });
    expect(write.kind === 'recorded' && write.previous.userId).toBe('user-2');
    expect((await deliveries.get(voipKey(callId, 'phone', 'user-2')))?.receivedAt).toBe(AT);
    expect((await deliveries.get(voipKey(callId, 'phone', 'user-1')))?.receivedAt).toBeUndefined();
  });

  it('refuses the write when the only accepted push of the call to the device is a missed-call alert', async () => {
    const { callId, deviceId } = ids();
    await seed(callId, deviceId, { pushType: 'alert' });
    const write = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'received',
      at: AT,
    });
    expect(write).toEqual({ kind: 'not_recorded', current: undefined });
    const alert = await deliveries.get({ ...voipKey(callId, deviceId), pushType: 'alert' });
    expect(alert?.status).toBe('accepted');
    expect(alert?.receivedAt).toBeUndefined();
  });
});

describe('DynamoReceiptStore: where receipts are kept', () => {
  it("writes the receipts item beside the delivery, with the delivery's TTL, and leaves the sender's batch as it was", async () => {
    const { callId, deviceId } = ids();
    await seedBatch(callId, deviceId);
    const before = await deliveries.get(voipKey(callId, deviceId));
    await receipts.recordStage({ callId, deviceId, userId: 'user-1', stage: 'received', at: AT });
    const item = await doc.send(
      new GetCommand({
        TableName: tableName,
        Key: receiptKey(callId, 'user-1', deviceId),
        ConsistentRead: true,
      }),
    );
    expect(item.Item).toEqual({
      ...receiptKey(callId, 'user-1', deviceId),
      callId,
      userId: 'user-1',
      deviceId,
      receivedAt: AT,
      expiresAt: before?.expiresAt,
    });
    // The sender's read of the call is unchanged: it never reads receipts.
    expect(await deliveries.readCall(callId, 'voip', ['user-1'])).toEqual([
      Object.fromEntries(Object.entries(before ?? {}).filter(([k]) => k !== 'receivedAt')),
    ]);
  });

  it('answers a stage an earlier version wrote on the device record as a repeat, and counts it in the old image', async () => {
    const { callId, deviceId } = ids();
    await seedRecord(callId, deviceId);
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: deliveryKey(voipKey(callId, deviceId)),
        UpdateExpression: 'SET receivedAt = :at',
        ExpressionAttributeValues: { ':at': AT },
      }),
    );
    const again = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'received',
      at: '2026-11-28T10:00:09.000Z',
    });
    expect(again.kind === 'not_recorded' && again.current?.receivedAt).toBe(AT);
    const reported = await receipts.recordStage({
      callId,
      deviceId,
      userId: 'user-1',
      stage: 'reported',
      at: '2026-11-28T10:00:09.000Z',
    });
    expect(reported.kind === 'recorded' && reported.previous.receivedAt).toBe(AT);
  });
});

import { describe, expect, it } from '@jest/globals';
import type { PhoneRow, PushRow } from '../../local/console/console-types';
import { percentile } from '../../local/console/latency-stats';
import { type JournalChange, PushJournal } from '../../local/console/push-journal';
import type { ProviderPushRecord } from '../../local/console/sources/provider-pushes';
import type { PushAttemptRecord } from '../../local/console/sources/sender-attempts';
import type { PhoneEvent } from '../../local/phone-events';

const T0 = Date.parse('2026-12-03T10:00:00.000Z');

function attempt(overrides: Partial<PushAttemptRecord> = {}): PushAttemptRecord {
  return {
    platform: 'ios',
    at: T0 + 100,
    callId: 'c-1',
    deviceId: 'iphone',
    tokenHash: 'aaaaaaaaaaaa',
    pushType: 'voip',
    attempt: 1,
    outcome: 'delivered',
    statusCode: 200,
    queueDelayMs: 7,
    providerLatencyMs: 12,
    deliveryLatencyMs: 150,
    ...overrides,
  };
}

function providerRecord(overrides: Partial<ProviderPushRecord> = {}): ProviderPushRecord {
  return {
    platform: 'ios',
    callId: 'c-1',
    tokenHash: 'aaaaaaaaaaaa',
    pushType: 'voip',
    receivedAt: T0 + 90,
    headers: { 'apns-push-type': 'voip', 'apns-id': 'id-2' },
    payload: { type: 'incoming_call', callId: 'c-1' },
    providerId: 'id-2',
    ...overrides,
  };
}

const who = {
  callId: 'c-1',
  userId: 'user-1',
  deviceId: 'iphone',
  tokenHash: 'aaaaaaaaaaaa',
  platform: 'ios',
} as const;

function journal(ownerOf?: (hash: string) => { userId: string; deviceId: string } | undefined) {
  const changes: JournalChange[] = [];
  const j = new PushJournal({ onChange: (change) => changes.push(change), ...(ownerOf ? { ownerOf } : {}) });
  return { j, changes };
}

describe('push journal', () => {
  it('joins the retried attempts, the accepted request and the phone into one push row when all three arrive', () => {
    const { j } = journal();
    j.addAttempt(
      attempt({
        attempt: 1,
        at: T0 + 50,
        outcome: 'retry',
        statusCode: 503,
        reason: 'ServiceUnavailable',
        deliveryLatencyMs: 60,
      }),
    );
    j.addProviderRecord(providerRecord());
    j.addAttempt(attempt({ attempt: 2, providerId: 'id-2' }));
    j.addPhoneEvent({ kind: 'push', at: T0 + 120, ...who, pushType: 'voip' });
    j.addPhoneEvent({
      kind: 'receipt',
      at: T0 + 200,
      ...who,
      stage: 'received',
      statusCode: 200,
      phoneLatencyMs: 80,
    });
    const [row] = j.pushes() as [PushRow];
    expect(row).toMatchObject({
      callId: 'c-1',
      userId: 'user-1',
      deviceId: 'iphone',
      platform: 'ios',
      outcome: 'delivered',
      retries: 1,
      answer: { statusCode: 200, providerId: 'id-2' },
      request: { headers: { 'apns-id': 'id-2' }, payload: { callId: 'c-1' } },
      latency: { queueMs: 7, providerMs: 12, deliveryMs: 150, phoneMs: 80 },
    });
    expect(row.attempts.map((a) => [a.attempt, a.statusCode, a.outcome])).toEqual([
      [1, 503, 'retry'],
      [2, 200, 'delivered'],
    ]);
    expect(j.pushes()).toHaveLength(1);
  });

  it('keeps a missed-call alert and the incoming call of the same call apart when both reach a device', () => {
    const { j } = journal();
    j.addAttempt(attempt());
    j.addAttempt(attempt({ pushType: 'alert', tokenHash: 'bbbbbbbbbbbb' }));
    expect(
      j
        .pushes()
        .map((row) => row.pushType)
        .sort(),
    ).toEqual(['alert', 'voip']);
  });

  it('names the recipient from the devices table when no phone answered, and later when the devices are read again', () => {
    let known: Record<string, { userId: string; deviceId: string }> = {};
    const { j, changes } = journal((hash) => known[hash]);
    j.addAttempt(attempt());
    expect(j.pushes()[0]?.userId).toBeUndefined();
    expect(j.hasUnknownOwners()).toBe(true);
    known = { aaaaaaaaaaaa: { userId: 'user-7', deviceId: 'iphone' } };
    changes.length = 0;
    j.resolveOwners();
    expect(j.pushes()[0]?.userId).toBe('user-7');
    expect(changes).toHaveLength(1);
    expect(j.hasUnknownOwners()).toBe(false);
  });

  it('counts pushes, the ring and the receipts per call and device when a phone answers', () => {
    const { j } = journal();
    const events: PhoneEvent[] = [
      { kind: 'push', at: T0 + 10, ...who, pushType: 'voip' },
      { kind: 'receipt', at: T0 + 60, ...who, stage: 'received', statusCode: 200, phoneLatencyMs: 50 },
      { kind: 'ring', at: T0 + 80, ...who },
      { kind: 'receipt', at: T0 + 90, ...who, stage: 'reported', statusCode: 200, phoneLatencyMs: 80 },
      { kind: 'push', at: T0 + 500, ...who, tokenHash: 'bbbbbbbbbbbb', pushType: 'alert' },
    ];
    for (const event of events) j.addPhoneEvent(event);
    const [row] = j.phones() as [PhoneRow];
    expect(row).toMatchObject({
      key: 'c-1|user-1|iphone',
      pushes: { voip: 1, alert: 1 },
      rings: 1,
      rangAt: new Date(T0 + 80).toISOString(),
      dropped: false,
    });
    expect(row.receipts.map((r) => r.stage)).toEqual(['received', 'reported']);
  });

  it('marks a phone silent when the drop rate kept it from answering', () => {
    const { j } = journal();
    j.addPhoneEvent({ kind: 'push', at: T0, ...who, pushType: 'voip' });
    j.addPhoneEvent({ kind: 'dropped', at: T0 + 1, ...who });
    expect(j.phones()[0]).toMatchObject({ rings: 0, dropped: true });
  });

  it('summarises delivery latency of delivered pushes and phone latency of first receipts', () => {
    const { j } = journal();
    for (const [i, ms] of [40, 120, 90, 300].entries()) {
      j.addAttempt(attempt({ callId: `c-${i}`, deliveryLatencyMs: ms }));
    }
    j.addAttempt(attempt({ callId: 'c-failed', outcome: 'failed', deliveryLatencyMs: 5000 }));
    j.addPhoneEvent({
      kind: 'receipt',
      at: T0,
      ...who,
      callId: 'c-0',
      stage: 'received',
      statusCode: 200,
      phoneLatencyMs: 70,
    });
    j.addPhoneEvent({
      kind: 'receipt',
      at: T0,
      ...who,
      callId: 'c-0',
      stage: 'reported',
      statusCode: 200,
      phoneLatencyMs: 95,
    });
    const { delivery, phone } = j.latency();
    expect(delivery).toMatchObject({ count: 4, p50: 90, p95: 300, p99: 300, max: 300 });
    expect(delivery.buckets.find((bucket) => bucket.upToMs === 100)?.count).toBe(1);
    expect(delivery.buckets.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(4);
    expect(phone).toMatchObject({ count: 1, p50: 70 });
  });

  it('keeps only the latest rows when more arrive than its capacity', () => {
    const j = new PushJournal({ capacity: 3 });
    for (let i = 0; i < 5; i++) j.addAttempt(attempt({ callId: `c-${i}` }));
    expect(j.pushes().map((row) => row.callId)).toEqual(['c-4', 'c-3', 'c-2']);
  });
});

describe('percentile', () => {
  it('answers the nearest-rank value when given sorted samples', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99)]).toEqual([50, 95, 99]);
    expect(percentile([], 50)).toBeUndefined();
    expect(percentile([7], 99)).toBe(7);
  });
});

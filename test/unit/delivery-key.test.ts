import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CALL_SHARDS, callShard, deliveryKey } from '../../shared/adapters/dynamodb/delivery-key';
import type { DeliveryKey } from '../../shared/ports/delivery-store';

const key = (overrides: Partial<DeliveryKey> = {}): DeliveryKey => ({
  callId: 'call-1',
  userId: 'user-1',
  deviceId: 'phone',
  pushType: 'voip',
  ...overrides,
});

describe('deliveryKey', () => {
  it('builds the documented pk and sk when given a VoIP or an alert push', () => {
    // sha256('user-1') starts with 0xc6: shard 6 (c6 mod 16).
    expect(deliveryKey(key())).toEqual({ pk: 'CALL#call-1#6', sk: 'VOIP#DEVICE#phone#USER#user-1' });
    expect(deliveryKey(key({ pushType: 'alert' }))).toEqual({
      pk: 'CALL#call-1#6',
      sk: 'ALERT#DEVICE#phone#USER#user-1',
    });
  });

  it('spreads a large call over every shard, none with more than twice its share, when it has 10,000 recipients', () => {
    const perShard = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const { pk } = deliveryKey(key({ userId: `user-${i}` }));
      perShard.set(pk, (perShard.get(pk) ?? 0) + 1);
    }
    expect(perShard.size).toBe(CALL_SHARDS);
    expect(Math.max(...perShard.values())).toBeLessThan((2 * 10_000) / CALL_SHARDS);
    expect([...perShard.keys()].every((pk) => /^CALL#call-1#[0-9a-f]$/.test(pk))).toBe(true);
  });

  it('puts every device of one recipient in the same shard when asked again', () => {
    expect(deliveryKey(key({ deviceId: 'a' })).pk).toBe(deliveryKey(key({ deviceId: 'b' })).pk);
    expect(callShard('user-1')).toBe(callShard('user-1'));
  });

  it('refuses a deviceId with # when one would make the sort key ambiguous', () => {
    expect(() => deliveryKey(key({ deviceId: 'a#USER#b' }))).toThrow('must not contain "#"');
  });

  it('gives distinct keys to distinct deliveries when userIds contain any characters', () => {
    const deviceId = fc.stringMatching(/^[A-Za-z0-9._:-]{1,12}$/);
    const delivery = fc.record({
      callId: fc.constantFrom('call-1', 'call-2'),
      userId: fc.string({ maxLength: 12 }),
      deviceId,
      pushType: fc.constantFrom('voip' as const, 'alert' as const),
    });
    fc.assert(
      fc.property(delivery, delivery, (a, b) => {
        const same =
          a.callId === b.callId &&
          a.userId === b.userId &&
          a.deviceId === b.deviceId &&
          a.pushType === b.pushType;
        const ka = deliveryKey(a);
        const kb = deliveryKey(b);
        expect(ka.pk === kb.pk && ka.sk === kb.sk).toBe(same);
      }),
      { numRuns: 500 },
    );
  });
});

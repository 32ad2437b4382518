import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { deliveryKey } from '../../shared/adapters/dynamodb/delivery-key';
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
    expect(deliveryKey(key())).toEqual({ pk: 'CALL#call-1', sk: 'VOIP#DEVICE#phone#USER#user-1' });
    expect(deliveryKey(key({ pushType: 'alert' }))).toEqual({
      pk: 'CALL#call-1',
      sk: 'ALERT#DEVICE#phone#USER#user-1',
    });
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

import { describe, expect, it } from '@jest/globals';
import { generatedFcmToken, passed } from '../../scripts/smoke-check';
import { fcmTokenSchema } from '../../shared/domain/device-rules';

describe('smoke check', () => {
  it('generates a fresh FCM-shaped token the registration API accepts when no --fcm-token is given', () => {
    const first = generatedFcmToken();
    expect(fcmTokenSchema.parse(first)).toBe(first);
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}:APA91b[A-Za-z0-9_-]{140}$/);
    expect(generatedFcmToken()).not.toBe(first);
  });

  it("passes a generated token only on the provider's answer for a token no device holds, never on a credential error", () => {
    const ios = { device: { platform: 'ios' }, generated: true } as Parameters<typeof passed>[0];
    const android = { device: { platform: 'android' }, generated: true } as Parameters<typeof passed>[0];
    expect(passed(ios, { outcome: 'pruned', reason: 'BadDeviceToken' })).toBe(true);
    expect(passed(ios, { outcome: 'pruned', reason: 'Unregistered' })).toBe(true);
    expect(passed(ios, { outcome: 'failed', reason: 'InvalidProviderToken' })).toBe(false);
    expect(passed(ios, { outcome: 'failed', reason: 'DeviceTokenNotForTopic' })).toBe(false);
    expect(passed(android, { outcome: 'pruned', reason: 'UNREGISTERED' })).toBe(true);
    expect(passed(android, { outcome: 'failed', reason: 'SENDER_ID_MISMATCH' })).toBe(false);
    expect(passed(ios, undefined)).toBe(false);
    // A real token must be delivered.
    expect(passed({ ...ios, generated: false }, { outcome: 'pruned', reason: 'BadDeviceToken' })).toBe(false);
    expect(passed({ ...ios, generated: false }, { outcome: 'delivered' })).toBe(true);
  });
});

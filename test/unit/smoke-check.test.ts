import { describe, expect, it } from '@jest/globals';
import { generatedFcmToken } from '../../scripts/smoke-check';
import { fcmTokenSchema } from '../../shared/domain/device-rules';

describe('smoke check', () => {
  it('generates a fresh FCM-shaped token the registration API accepts when no --fcm-token is given', () => {
    const first = generatedFcmToken();
    expect(fcmTokenSchema.parse(first)).toBe(first);
    expect(first).toMatch(/^[A-Za-z0-9_-]{22}:APA91b[A-Za-z0-9_-]{140}$/);
    expect(generatedFcmToken()).not.toBe(first);
  });
});

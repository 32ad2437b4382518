import { describe, expect, it } from '@jest/globals';
import { fcmToProviderRecord } from '../../local/console/sources/fcm-simulator-pushes';
import { tokenHash } from '../../shared/domain/token-hash';

const token = 'fAb1:APA91b_private-token-value';
const accepted = (data: Record<string, string>, android: Record<string, unknown> = {}) => ({
  name: 'projects/voip-push-dev/messages/0:17',
  token,
  message: { token, data, android },
  receivedAt: 1_700_000_000_000,
});

describe('the console reads the FCM simulator', () => {
  it('shows an incoming call as a voip push under its token hash, with FCM delivery fields as headers', () => {
    const record = fcmToProviderRecord(
      accepted({ type: 'incoming_call', callId: 'c-1' }, { priority: 'HIGH', ttl: '28s' }),
    );
    expect(record).toEqual({
      platform: 'android',
      callId: 'c-1',
      tokenHash: tokenHash(token),
      pushType: 'voip',
      receivedAt: 1_700_000_000_000,
      headers: { priority: 'HIGH', ttl: '28s' },
      payload: { type: 'incoming_call', callId: 'c-1' },
      providerId: 'projects/voip-push-dev/messages/0:17',
    });
    expect(JSON.stringify(record)).not.toContain(token);
  });

  it('shows a missed call as an alert and skips a message without a callId', () => {
    expect(
      fcmToProviderRecord(accepted({ type: 'missed_call', callId: 'c-2' }, { collapse_key: 'c-2' }))
        ?.pushType,
    ).toBe('alert');
    expect(fcmToProviderRecord(accepted({ type: 'incoming_call' }))).toBeUndefined();
  });
});

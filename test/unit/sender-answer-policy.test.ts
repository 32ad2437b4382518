import { describe, expect, it } from '@jest/globals';
import { ANSWER_RULES, decideAnswer, knownReason } from '../../shared/domain/apns-answer-policy';
import type { PushOutcome } from '../../shared/ports/apns-sender';

const common = { apnsId: '00000000-0000-4000-8000-000000000000', latencyMs: 5 };
const rejected = (status: number, reason: string, timestamp?: number): PushOutcome => ({
  kind: 'rejected',
  status,
  reason,
  ...common,
  ...(timestamp === undefined ? {} : { timestamp }),
});

// One test per row of the "What to do with each answer" table in apns-reference.md.
describe('decideAnswer', () => {
  it('delivers when APNs answers 200', () => {
    expect(decideAnswer({ kind: 'accepted', status: 200, ...common })).toEqual({ action: 'deliver' });
  });

  it('prunes tokens registered before the timestamp when APNs answers 410 Unregistered or ExpiredToken', () => {
    expect(decideAnswer(rejected(410, 'Unregistered', 1_700_000_000_000))).toEqual({
      action: 'prune',
      registeredBefore: new Date(1_700_000_000_000),
    });
    expect(decideAnswer(rejected(410, 'ExpiredToken'))).toEqual({ action: 'prune' });
  });

  it('checks the other environment before pruning when APNs answers 400 BadDeviceToken', () => {
    expect(decideAnswer(rejected(400, 'BadDeviceToken'))).toEqual({ action: 'check_other_environment' });
  });

  it('fails flagged without pruning when APNs answers 400 DeviceTokenNotForTopic', () => {
    expect(decideAnswer(rejected(400, 'DeviceTokenNotForTopic'))).toEqual({
      action: 'fail',
      reason: 'DeviceTokenNotForTopic',
      flag: true,
    });
  });

  it('fails flagged as a bug when APNs answers 413 or another 400, 404 or 405', () => {
    for (const [status, reason] of [
      [413, 'PayloadTooLarge'],
      [400, 'BadTopic'],
      [404, 'BadPath'],
      [405, 'MethodNotAllowed'],
    ] as const) {
      expect(decideAnswer(rejected(status, reason))).toEqual({ action: 'fail', reason, flag: true });
    }
  });

  it('refreshes the credential when APNs still answers 403 ExpiredProviderToken after the client retry', () => {
    expect(decideAnswer(rejected(403, 'ExpiredProviderToken'))).toEqual({
      action: 'refresh_credential',
      reason: 'ExpiredProviderToken',
    });
  });

  it('refreshes the credential when APNs answers 403 UnrelatedKeyIdInToken', () => {
    expect(decideAnswer(rejected(403, 'UnrelatedKeyIdInToken'))).toEqual({
      action: 'refresh_credential',
      reason: 'UnrelatedKeyIdInToken',
    });
  });

  it('refreshes the credential when APNs answers another 403', () => {
    expect(decideAnswer(rejected(403, 'BadCertificate'))).toEqual({
      action: 'refresh_credential',
      reason: 'BadCertificate',
    });
  });

  it('retries while ringing when APNs answers 429 TooManyRequests', () => {
    expect(decideAnswer(rejected(429, 'TooManyRequests'))).toEqual({
      action: 'retry',
      reason: 'TooManyRequests',
      flag: false,
    });
  });

  it('retries flagged as a bug when APNs answers 429 TooManyProviderTokenUpdates', () => {
    expect(decideAnswer(rejected(429, 'TooManyProviderTokenUpdates'))).toEqual({
      action: 'retry',
      reason: 'TooManyProviderTokenUpdates',
      flag: true,
    });
  });

  it('retries while ringing when APNs answers 500 or 503 or the connection fails', () => {
    expect(decideAnswer(rejected(500, 'InternalServerError'))).toMatchObject({ action: 'retry' });
    expect(decideAnswer(rejected(503, 'Shutdown'))).toMatchObject({ action: 'retry' });
    for (const error of ['goaway', 'reset', 'timeout'] as const) {
      expect(
        decideAnswer({ kind: 'transport-error', error, message: '', maybeDelivered: true, ...common }),
      ).toEqual({
        action: 'retry',
        reason: `transport_${error}`,
        flag: false,
      });
    }
  });

  it('fails flagged with reason Unknown when APNs answers a status outside the table', () => {
    expect(decideAnswer(rejected(418, 'Teapot'))).toEqual({ action: 'fail', reason: 'Unknown', flag: true });
  });

  it('keeps one rule per table row when the table is read', () => {
    expect(ANSWER_RULES.map((r) => r.row)).toHaveLength(11);
    expect(knownReason('SomethingNew')).toBe('Unknown');
  });
});

import { describe, expect, it } from '@jest/globals';
import { ANSWER_RULES, decideAnswer, knownReason } from '../../shared/adapters/apns/apns-gateway';
import type { ApnsOutcome } from '../../shared/adapters/apns/apns-transport';

const common = { apnsId: '00000000-0000-4000-8000-000000000000', latencyMs: 5 };
const rejected = (status: number, reason: string, timestamp?: number): ApnsOutcome => ({
  kind: 'rejected',
  status,
  reason,
  ...common,
  ...(timestamp === undefined ? {} : { timestamp }),
});

// One test per row of the APNs answer table (docs/contracts.md).
describe('decideAnswer', () => {
  it('delivers when APNs answers 200', () => {
    expect(decideAnswer({ kind: 'accepted', status: 200, ...common })).toEqual({ kind: 'accepted' });
  });

  it('prunes tokens registered before the timestamp when APNs answers 410 Unregistered or ExpiredToken', () => {
    expect(decideAnswer(rejected(410, 'Unregistered', 1_700_000_000_000))).toEqual({
      kind: 'prune',
      reason: 'Unregistered',
      registeredBefore: new Date(1_700_000_000_000),
    });
    expect(decideAnswer(rejected(410, 'ExpiredToken'))).toEqual({ kind: 'prune', reason: 'ExpiredToken' });
  });

  it('checks the other environment before pruning when APNs answers 400 BadDeviceToken', () => {
    expect(decideAnswer(rejected(400, 'BadDeviceToken'))).toEqual({
      kind: 'try_alternate',
      reason: 'BadDeviceToken',
    });
  });

  it('fails flagged without pruning when APNs answers 400 DeviceTokenNotForTopic', () => {
    expect(decideAnswer(rejected(400, 'DeviceTokenNotForTopic'))).toEqual({
      kind: 'fail',
      reason: 'DeviceTokenNotForTopic',
      alarm: 'misconfigured',
    });
  });

  it('fails flagged as a bug when APNs answers 413 or another 400, 404 or 405', () => {
    for (const [status, reason] of [
      [413, 'PayloadTooLarge'],
      [400, 'BadTopic'],
      [404, 'BadPath'],
      [405, 'MethodNotAllowed'],
    ] as const) {
      expect(decideAnswer(rejected(status, reason))).toEqual({ kind: 'fail', reason, alarm: 'sender_bug' });
    }
  });

  it('refreshes the credential when APNs still answers 403 ExpiredProviderToken after the client retry', () => {
    expect(decideAnswer(rejected(403, 'ExpiredProviderToken'))).toEqual({
      kind: 'refresh_credential',
      reason: 'ExpiredProviderToken',
    });
  });

  it('refreshes the credential when APNs answers 403 UnrelatedKeyIdInToken', () => {
    expect(decideAnswer(rejected(403, 'UnrelatedKeyIdInToken'))).toEqual({
      kind: 'refresh_credential',
      reason: 'UnrelatedKeyIdInToken',
    });
  });

  it('refreshes the credential when APNs answers another 403', () => {
    expect(decideAnswer(rejected(403, 'BadCertificate'))).toEqual({
      kind: 'refresh_credential',
      reason: 'BadCertificate',
    });
  });

  it('retries while ringing when APNs answers 429 TooManyRequests', () => {
    expect(decideAnswer(rejected(429, 'TooManyRequests'))).toEqual({
      kind: 'retry',
      reason: 'TooManyRequests',
    });
  });

  it('retries flagged as a bug when APNs answers 429 TooManyProviderTokenUpdates', () => {
    expect(decideAnswer(rejected(429, 'TooManyProviderTokenUpdates'))).toEqual({
      kind: 'retry',
      reason: 'TooManyProviderTokenUpdates',
      alarm: 'sender_bug',
    });
  });

  it('retries while ringing when APNs answers 500 or 503 or the connection fails', () => {
    expect(decideAnswer(rejected(500, 'InternalServerError'))).toMatchObject({ kind: 'retry' });
    expect(decideAnswer(rejected(503, 'Shutdown'))).toMatchObject({ kind: 'retry' });
    for (const error of ['goaway', 'reset', 'timeout'] as const) {
      expect(
        decideAnswer({ kind: 'transport-error', error, message: '', maybeDelivered: true, ...common }),
      ).toEqual({
        kind: 'retry',
        reason: `transport_${error}`,
      });
    }
  });

  it('fails flagged with reason Unknown when APNs answers a status outside the table', () => {
    expect(decideAnswer(rejected(418, 'Teapot'))).toEqual({
      kind: 'fail',
      reason: 'Unknown',
      alarm: 'misconfigured',
    });
  });

  it('keeps one rule per table row when the table is read', () => {
    expect(ANSWER_RULES.map((r) => r.row)).toHaveLength(11);
    expect(knownReason('SomethingNew')).toBe('Unknown');
  });
});

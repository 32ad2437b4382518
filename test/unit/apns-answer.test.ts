import { describe, expect, it } from '@jest/globals';
import { answerOutcome, parseErrorBody } from '../../shared/adapters/apns/apns-transport';

describe('parseErrorBody', () => {
  it('reads reason and timestamp when the body is APNs JSON', () => {
    expect(parseErrorBody('{"reason":"Unregistered","timestamp":1764324000000}')).toEqual({
      reason: 'Unregistered',
      timestamp: 1764324000000,
    });
  });

  it('gives reason Unknown when the body is not JSON', () => {
    expect(parseErrorBody('<html>bad gateway</html>')).toEqual({ reason: 'Unknown' });
  });

  it('gives reason Unknown when the body is empty or has no reason', () => {
    expect(parseErrorBody('')).toEqual({ reason: 'Unknown' });
    expect(parseErrorBody('{"timestamp":5}')).toEqual({ reason: 'Unknown', timestamp: 5 });
    expect(parseErrorBody('null')).toEqual({ reason: 'Unknown' });
    expect(parseErrorBody('{"reason":42}')).toEqual({ reason: 'Unknown' });
  });

  it('keeps a reason it does not know when APNs sends a new one', () => {
    expect(parseErrorBody('{"reason":"SomethingNew"}')).toEqual({ reason: 'SomethingNew' });
  });
});

describe('answerOutcome', () => {
  it('returns accepted when the status is 200', () => {
    expect(answerOutcome(200, 'id-1', '', 3)).toEqual({
      kind: 'accepted',
      status: 200,
      apnsId: 'id-1',
      latencyMs: 3,
    });
  });

  it('returns rejected with the timestamp when the status is 410', () => {
    expect(answerOutcome(410, 'id-2', '{"reason":"Unregistered","timestamp":7}', 4)).toEqual({
      kind: 'rejected',
      status: 410,
      reason: 'Unregistered',
      timestamp: 7,
      apnsId: 'id-2',
      latencyMs: 4,
    });
  });

  it('returns rejected without a timestamp when the status is 400', () => {
    const outcome = answerOutcome(400, 'id-3', '{"reason":"BadDeviceToken"}', 1);
    expect(outcome).toEqual({
      kind: 'rejected',
      status: 400,
      reason: 'BadDeviceToken',
      apnsId: 'id-3',
      latencyMs: 1,
    });
    expect('timestamp' in outcome).toBe(false);
  });
});

import { describe, expect, it } from '@jest/globals';
import {
  answerOutcome,
  isTokenRejection,
  parseFcmErrorBody,
  parseRetryAfter,
} from '../../shared/adapters/fcm/fcm-answer';
import type { FcmOutcome } from '../../shared/adapters/fcm/fcm-outcome';

const NOW = Date.parse('2026-11-28T10:00:00.000Z');
const fcmError = (code: number, status: string, message: string, details: unknown[] = []) =>
  JSON.stringify({ error: { code, message, status, details } });
const fcmDetail = (errorCode: string) => ({
  '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError',
  errorCode,
});

describe('parseFcmErrorBody', () => {
  it('takes errorCode from the FcmError detail when the body has one', () => {
    const body = fcmError(404, 'NOT_FOUND', 'Requested entity was not found.', [fcmDetail('UNREGISTERED')]);
    expect(parseFcmErrorBody(404, body)).toEqual({
      errorCode: 'UNREGISTERED',
      grpcStatus: 'NOT_FOUND',
      message: 'Requested entity was not found.',
    });
  });

  it('falls back to the gRPC status when no FcmError detail is present', () => {
    expect(
      parseFcmErrorBody(401, fcmError(401, 'UNAUTHENTICATED', 'Request had invalid credentials.')),
    ).toEqual({
      errorCode: 'UNAUTHENTICATED',
      grpcStatus: 'UNAUTHENTICATED',
      message: 'Request had invalid credentials.',
    });
  });

  it('lists the fields of a BadRequest detail when FCM names them', () => {
    const body = fcmError(400, 'INVALID_ARGUMENT', "Invalid value at 'message.android.ttl'", [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field: 'message.android.ttl', description: 'Illegal duration format' }],
      },
    ]);
    expect(parseFcmErrorBody(400, body)).toMatchObject({
      errorCode: 'INVALID_ARGUMENT',
      fieldViolations: ['message.android.ttl'],
    });
  });

  it('answers UNSPECIFIED_ERROR when the body is not FCM JSON', () => {
    expect(parseFcmErrorBody(502, '<html>Bad Gateway</html>')).toEqual({
      errorCode: 'UNSPECIFIED_ERROR',
      message: 'HTTP 502 without an FCM error body',
    });
    expect(parseFcmErrorBody(500, '{"error":"text"}').errorCode).toBe('UNSPECIFIED_ERROR');
    expect(parseFcmErrorBody(500, '').errorCode).toBe('UNSPECIFIED_ERROR');
  });

  it('ignores codes that are not FCM code words and cuts long messages when the body is hostile', () => {
    const body = fcmError(400, 'bad status; drop', 'm'.repeat(5000), [fcmDetail('<script>'), null, 'x']);
    const parsed = parseFcmErrorBody(400, body);
    expect(parsed.errorCode).toBe('UNSPECIFIED_ERROR');
    expect(parsed.grpcStatus).toBeUndefined();
    expect(parsed.message).toHaveLength(200);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds when Retry-After is a number', () => {
    expect(parseRetryAfter('30', NOW)).toBe(30_000);
    expect(parseRetryAfter(['5', '9'], NOW)).toBe(5000);
  });

  it('reads an HTTP date as the delay until then, never negative', () => {
    expect(parseRetryAfter('Sat, 28 Nov 2026 10:00:12 GMT', NOW)).toBe(12_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 09:00:00 GMT', NOW)).toBe(0);
  });

  it('gives undefined when the header is absent or unreadable', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-5', NOW)).toBeUndefined();
  });
});

describe('answerOutcome', () => {
  it('returns the message name when FCM accepted it', () => {
    expect(answerOutcome(200, undefined, '{"name":"projects/p/messages/0:1%ab"}', 3, NOW)).toEqual({
      kind: 'accepted',
      status: 200,
      name: 'projects/p/messages/0:1%ab',
      latencyMs: 3,
    });
  });

  it('carries the Retry-After delay when a 429 has one', () => {
    const body = fcmError(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.', [fcmDetail('QUOTA_EXCEEDED')]);
    expect(answerOutcome(429, '7', body, 1, NOW)).toEqual({
      kind: 'rejected',
      status: 429,
      errorCode: 'QUOTA_EXCEEDED',
      grpcStatus: 'RESOURCE_EXHAUSTED',
      message: 'Quota exceeded.',
      retryAfterMs: 7000,
      latencyMs: 1,
    });
  });
});

describe('isTokenRejection', () => {
  const rejected = (errorCode: string, extra: Partial<FcmOutcome> = {}): FcmOutcome =>
    ({ kind: 'rejected', status: 400, errorCode, message: '', latencyMs: 0, ...extra }) as FcmOutcome;

  it('is true when the token is unregistered or not a valid registration token', () => {
    expect(isTokenRejection(rejected('UNREGISTERED'))).toBe(true);
    expect(
      isTokenRejection(
        rejected('INVALID_ARGUMENT', {
          message: 'The registration token is not a valid FCM registration token',
        }),
      ),
    ).toBe(true);
    expect(isTokenRejection(rejected('INVALID_ARGUMENT', { fieldViolations: ['message.token'] }))).toBe(true);
  });

  it('is false when the message, the project or the service is at fault', () => {
    expect(isTokenRejection(rejected('INVALID_ARGUMENT', { fieldViolations: ['message.android.ttl'] }))).toBe(
      false,
    );
    expect(isTokenRejection(rejected('INVALID_ARGUMENT', { message: 'Android message is too big' }))).toBe(
      false,
    );
    expect(isTokenRejection(rejected('SENDER_ID_MISMATCH'))).toBe(false);
    expect(isTokenRejection({ kind: 'accepted', status: 200, name: 'n', latencyMs: 0 })).toBe(false);
  });
});

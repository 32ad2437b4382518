import { describe, expect, it } from '@jest/globals';
import {
  type CallEventInput,
  callEventSchema,
  parseCallEvent,
  ringWindowEndMs,
} from '../../shared/domain/call-event';
import { aCallEvent } from '../kit/call-events';

const valid: CallEventInput = aCallEvent({
  callId: 'c-7f3a',
  recipients: ['user-1', 'user-2'],
  caller: { id: 'user-9', displayName: 'Ada', handle: '+15550100' },
});
const parse = (overrides: Record<string, unknown>) =>
  parseCallEvent(JSON.stringify({ ...valid, ...overrides }));
const reasonOf = (overrides: Record<string, unknown>) => {
  const result = parse(overrides);
  return result.ok ? 'ok' : result.reason;
};

describe('parseCallEvent', () => {
  it('accepts the design example when every field is given', () => {
    expect(parseCallEvent(JSON.stringify(valid))).toEqual({ ok: true, event: valid });
  });

  it('applies media audio and ringTimeoutSeconds 30 when they are absent', () => {
    const { media: _m, ringTimeoutSeconds: _r, data: _d, ...minimal } = valid;
    const result = parseCallEvent(JSON.stringify(minimal));
    expect(result.ok && result.event).toMatchObject({ media: 'audio', ringTimeoutSeconds: 30 });
    expect(result.ok && 'data' in result.event).toBe(false);
  });

  it('rejects with invalid_json when the body is not JSON', () => {
    expect(parseCallEvent('{"version":1,')).toEqual({ ok: false, reason: 'invalid_json', details: [] });
  });

  it('rejects with unsupported_version when the version is not 1', () => {
    expect(reasonOf({ version: 2 })).toBe('unsupported_version');
    expect(reasonOf({ version: '1' })).toBe('unsupported_version');
    expect(reasonOf({ version: undefined })).toBe('invalid_event');
  });

  it('names the field and not its value when the event is invalid', () => {
    const result = parse({ callId: 'has space', caller: { id: '' } });
    expect(result).toEqual({
      ok: false,
      reason: 'invalid_event',
      details: ['callId: invalid_format', 'caller.id: too_small'],
    });
  });

  it('accepts only incoming_call and missed_call when the type is read', () => {
    expect(reasonOf({ type: 'missed_call' })).toBe('ok');
    expect(reasonOf({ type: 'call_ended' })).toBe('invalid_event');
  });

  it('bounds callId to 1-64 of [A-Za-z0-9._:-] when it is read', () => {
    expect(reasonOf({ callId: 'a.B_c:d-9' })).toBe('ok');
    expect(reasonOf({ callId: 'x'.repeat(64) })).toBe('ok');
    expect(reasonOf({ callId: 'x'.repeat(65) })).toBe('invalid_event');
    expect(reasonOf({ callId: '' })).toBe('invalid_event');
    expect(reasonOf({ callId: 'a/b' })).toBe('invalid_event');
  });

  it('bounds recipients to 1-1000 distinct non-empty ids of at most 128 chars when they are read', () => {
    expect(reasonOf({ recipients: Array.from({ length: 1000 }, (_, i) => `u${i}`) })).toBe('ok');
    expect(reasonOf({ recipients: Array.from({ length: 1001 }, (_, i) => `u${i}`) })).toBe('invalid_event');
    expect(reasonOf({ recipients: [] })).toBe('invalid_event');
    expect(reasonOf({ recipients: ['u1', 'u1'] })).toBe('invalid_event');
    expect(reasonOf({ recipients: [''] })).toBe('invalid_event');
    expect(reasonOf({ recipients: ['x'.repeat(128)] })).toBe('ok');
    expect(reasonOf({ recipients: ['x'.repeat(129)] })).toBe('invalid_event');
  });

  it('bounds the caller fields when they are read', () => {
    expect(reasonOf({ caller: { id: 'user-9' } })).toBe('ok');
    expect(reasonOf({ caller: {} })).toBe('invalid_event');
    expect(reasonOf({ caller: { id: 'u', displayName: 'x'.repeat(129) } })).toBe('invalid_event');
    expect(reasonOf({ caller: { id: 'u', handle: 'x'.repeat(65) } })).toBe('invalid_event');
    expect(reasonOf({ caller: { id: 'u', displayName: '' } })).toBe('invalid_event');
  });

  it('accepts only audio and video when the media is read', () => {
    expect(reasonOf({ media: 'video' })).toBe('ok');
    expect(reasonOf({ media: 'screen' })).toBe('invalid_event');
  });

  it('requires an ISO-8601 createdAt when it is read', () => {
    expect(reasonOf({ createdAt: '2026-11-28T10:00:00+01:00' })).toBe('ok');
    expect(reasonOf({ createdAt: '2026-11-28T10:00:00Z' })).toBe('ok');
    expect(reasonOf({ createdAt: '28/11/2026' })).toBe('invalid_event');
    expect(reasonOf({ createdAt: 1764324000000 })).toBe('invalid_event');
  });

  it('bounds ringTimeoutSeconds to whole seconds 1-120 when it is read', () => {
    expect(reasonOf({ ringTimeoutSeconds: 1 })).toBe('ok');
    expect(reasonOf({ ringTimeoutSeconds: 120 })).toBe('ok');
    expect(reasonOf({ ringTimeoutSeconds: 0 })).toBe('invalid_event');
    expect(reasonOf({ ringTimeoutSeconds: 121 })).toBe('invalid_event');
    expect(reasonOf({ ringTimeoutSeconds: 2.5 })).toBe('invalid_event');
  });

  it('accepts only an object as data when it is given', () => {
    expect(reasonOf({ data: { nested: { a: [1] } } })).toBe('ok');
    expect(reasonOf({ data: [1, 2] })).toBe('invalid_event');
    expect(reasonOf({ data: 'room' })).toBe('invalid_event');
  });

  it('computes the ring window end from createdAt and ringTimeoutSeconds when asked', () => {
    const event = callEventSchema.parse({ ...valid, ringTimeoutSeconds: 45 });
    expect(ringWindowEndMs(event)).toBe(Date.parse(valid.createdAt) + 45_000);
  });
});

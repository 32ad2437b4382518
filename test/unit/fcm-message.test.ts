import { describe, expect, it } from '@jest/globals';
import type { CallEvent } from '../../shared/domain/call-event';
import {
  buildFcmMessage,
  FCM_PAYLOAD_LIMIT_BYTES,
  type FcmMessage,
  fcmPayloadBytes,
} from '../../shared/domain/fcm-message';

const CREATED = Date.parse('2026-11-28T10:00:00.000Z');
const TOKEN = 'dXN1YWxseS0xNTItY2hhcnM:APA91bH-token_Example';

const call = (overrides: Partial<CallEvent> = {}): CallEvent => ({
  version: 1,
  type: 'incoming_call',
  callId: 'c-7f3a',
  recipients: ['user-1'],
  caller: { id: 'user-9', displayName: 'Ada', handle: '+15550100' },
  media: 'audio',
  createdAt: new Date(CREATED).toISOString(),
  ringTimeoutSeconds: 30,
  data: { room: 'r-1', nested: { depth: [1, 2] } },
  ...overrides,
});

const built = (
  event: CallEvent,
  nowMs: number,
): { message: FcmMessage; ttlSeconds?: number; payloadBytes: number } => {
  const result = buildFcmMessage(event, TOKEN, nowMs);
  if (!result.ok) throw new Error(`expected a message, got ${result.reason}`);
  return result;
};

describe('buildFcmMessage', () => {
  it('builds a high-priority data message with the iOS payload fields as strings when the call is incoming', () => {
    const { message } = built(call(), CREATED + 2000);
    expect(message).toEqual({
      token: TOKEN,
      data: {
        type: 'incoming_call',
        callId: 'c-7f3a',
        caller: '{"id":"user-9","displayName":"Ada","handle":"+15550100"}',
        media: 'audio',
        createdAt: '2026-11-28T10:00:00.000Z',
        ringTimeoutSeconds: '30',
        data: '{"room":"r-1","nested":{"depth":[1,2]}}',
      },
      android: { priority: 'HIGH', ttl: '28s' },
    });
    expect(JSON.parse(message.data.caller as string)).toEqual(call().caller);
  });

  it('leaves data out when the event has none', () => {
    const { message } = built(call({ data: undefined }), CREATED);
    expect(Object.keys(message.data)).toEqual([
      'type',
      'callId',
      'caller',
      'media',
      'createdAt',
      'ringTimeoutSeconds',
    ]);
  });

  it('rounds the ttl up to whole seconds when the ring window has a fraction left', () => {
    expect(built(call(), CREATED + 1).ttlSeconds).toBe(30);
    expect(built(call(), CREATED + 28_999).message.android.ttl).toBe('2s');
    expect(built(call(), CREATED + 29_000).message.android.ttl).toBe('1s');
    expect(built(call(), CREATED + 28_000).ttlSeconds).toBe(2);
  });

  it('answers expired instead of a message when less than a second of the ring window is left', () => {
    expect(buildFcmMessage(call(), TOKEN, CREATED + 29_001)).toEqual({
      ok: false,
      reason: 'expired',
      msLeft: 999,
    });
    expect(buildFcmMessage(call(), TOKEN, CREATED + 45_000)).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('uses the whole ring window as ttl when the event is read before its createdAt', () => {
    expect(built(call({ ringTimeoutSeconds: 120 }), CREATED - 500).ttlSeconds).toBe(121);
  });

  it('builds a normal-priority notification collapsed by callId when the call was missed', () => {
    const { message } = built(call({ type: 'missed_call', media: 'video' }), CREATED + 90_000);
    expect(message).toEqual({
      token: TOKEN,
      data: { type: 'missed_call', callId: 'c-7f3a' },
      notification: { title: 'Missed video call', body: 'Ada' },
      android: { priority: 'NORMAL', collapse_key: 'c-7f3a' },
    });
  });

  it('names the caller by handle, then as unknown, when the missed call has no display name', () => {
    const byHandle = built(call({ type: 'missed_call', caller: { id: 'u', handle: '+1555' } }), CREATED);
    expect(byHandle.message.notification).toEqual({ title: 'Missed call', body: '+1555' });
    const unknown = built(call({ type: 'missed_call', caller: { id: 'u' } }), CREATED);
    expect(unknown.message.notification?.body).toBe('Unknown caller');
  });

  it('accepts a payload of exactly the limit and rejects one byte more, never truncating', () => {
    const base = built(call({ data: { pad: '' } }), CREATED).payloadBytes;
    const filler = (n: number) => ({ pad: 'x'.repeat(n) });
    const atLimit = buildFcmMessage(call({ data: filler(FCM_PAYLOAD_LIMIT_BYTES - base) }), TOKEN, CREATED);
    expect(atLimit).toMatchObject({ ok: true, payloadBytes: FCM_PAYLOAD_LIMIT_BYTES });
    const over = buildFcmMessage(call({ data: filler(FCM_PAYLOAD_LIMIT_BYTES - base + 1) }), TOKEN, CREATED);
    expect(over).toEqual({ ok: false, reason: 'payload_too_large', bytes: 4097, limit: 4096 });
  });

  it('counts bytes, not characters, when the payload holds multi-byte text', () => {
    const ascii = built(call({ data: { note: 'aaaa' } }), CREATED).payloadBytes;
    const emoji = built(call({ data: { note: '😀😀😀😀' } }), CREATED).payloadBytes;
    expect(emoji - ascii).toBe(12);
  });
});

describe('fcmPayloadBytes', () => {
  it('adds data keys and values and the notification text when counting the payload', () => {
    expect(fcmPayloadBytes({ data: { ab: 'cde' }, notification: { title: 'T', body: 'Bé' } })).toBe(
      5 + 1 + 3,
    );
  });
});

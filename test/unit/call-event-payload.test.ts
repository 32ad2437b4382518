import { describe, expect, it } from '@jest/globals';
import { buildApnsPayload } from '../../shared/adapters/apns/apns-payload';
import { type CallEvent, callEventSchema } from '../../shared/domain/call-event';
import { aCallEventInput, CALL_CREATED_AT } from '../kit/call-events';

const event = (overrides: Record<string, unknown> = {}): CallEvent =>
  callEventSchema.parse(
    aCallEventInput({
      callId: 'c-1',
      recipients: ['u'],
      caller: { id: 'u9', displayName: 'Ada' },
      createdAt: CALL_CREATED_AT,
      ...overrides,
    }),
  );

/** A data blob that makes the serialized payload exactly `bytes` long. */
function sized(type: 'incoming_call' | 'missed_call', bytes: number): CallEvent {
  const base = buildApnsPayload(event({ type, data: { pad: '' } }));
  if (!base.ok) throw new Error('base payload too large');
  return event({ type, data: { pad: 'x'.repeat(bytes - base.bytes) } });
}

describe('buildApnsPayload', () => {
  it('carries type, callId, caller, media, createdAt, ringTimeoutSeconds and data at the top level when the call is incoming', () => {
    const result = buildApnsPayload(event({ data: { room: 'r-1' }, ringTimeoutSeconds: 45 }));
    expect(result.ok && JSON.parse(result.payload)).toEqual({
      type: 'incoming_call',
      callId: 'c-1',
      caller: { id: 'u9', displayName: 'Ada' },
      media: 'audio',
      createdAt: '2026-11-28T10:00:00.000Z',
      ringTimeoutSeconds: 45,
      data: { room: 'r-1' },
    });
    expect(result.ok && result.pushType).toBe('voip');
  });

  it('leaves ringTimeoutSeconds out when the call was missed, since nothing rings', () => {
    const result = buildApnsPayload(event({ type: 'missed_call' }));
    expect(result.ok && JSON.parse(result.payload)).not.toHaveProperty('ringTimeoutSeconds');
  });

  it('adds an alert with sound to the same fields when the call was missed', () => {
    const result = buildApnsPayload(
      event({ type: 'missed_call', media: 'video', caller: { id: 'u9', handle: '+1555' } }),
    );
    expect(result.ok && JSON.parse(result.payload)).toMatchObject({
      aps: { alert: { title: 'Missed video call', body: '+1555' }, sound: 'default' },
      type: 'missed_call',
      callId: 'c-1',
    });
    expect(result.ok && result.pushType).toBe('alert');
  });

  it('accepts 5120 bytes and rejects 5121 as payload_too_large when the push is VoIP', () => {
    expect(buildApnsPayload(sized('incoming_call', 5120))).toMatchObject({ ok: true, bytes: 5120 });
    expect(buildApnsPayload(sized('incoming_call', 5121))).toEqual({
      ok: false,
      reason: 'payload_too_large',
      pushType: 'voip',
      bytes: 5121,
      limit: 5120,
    });
  });

  it('accepts 4096 bytes and rejects 4097 as payload_too_large when the push is an alert', () => {
    expect(buildApnsPayload(sized('missed_call', 4096))).toMatchObject({ ok: true, bytes: 4096 });
    expect(buildApnsPayload(sized('missed_call', 4097))).toMatchObject({
      ok: false,
      reason: 'payload_too_large',
      limit: 4096,
    });
  });

  it('counts UTF-8 bytes, not characters, when multi-byte text fills the payload', () => {
    const base = buildApnsPayload(event({ data: { pad: '' } }));
    const room = base.ok ? 5120 - base.bytes : 0;
    const emoji = '😀'.repeat(Math.ceil(room / 4) + 1);
    expect(buildApnsPayload(event({ data: { pad: emoji } }))).toMatchObject({
      ok: false,
      reason: 'payload_too_large',
    });
  });
});

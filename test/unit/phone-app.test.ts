import { describe, expect, it } from '@jest/globals';
import { PhoneMemory, PhoneRecorder, phonesFor, readApnsPush, readFcmMessage } from '../../local/phone-app';
import { tokenHash } from '../../shared/domain/token-hash';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
const created = new Date(T0).toISOString();
const TOKEN = 'ab'.repeat(32);
const FCM_TOKEN = 'fcm:Token-With_Case';

const voip = (callId: string, at: number, payload: Record<string, unknown> = {}) => ({
  token: TOKEN.toUpperCase(),
  headers: { 'apns-push-type': 'voip', 'apns-id': '6f1c1a5e-0000-4000-8000-000000000001' },
  payload: { type: 'incoming_call', callId, createdAt: created, ringTimeoutSeconds: 30, ...payload },
  receivedAt: at,
});
const fcm = (callId: string, at: number, ttl = '30s', type = 'incoming_call') => ({
  name: `projects/p/messages/${callId}-${at}`,
  token: FCM_TOKEN,
  message: { data: { type, callId, createdAt: created }, android: { ttl } },
  receivedAt: at,
});

describe('phone app decisions', () => {
  it('rings the first push of a call and de-duplicates repeats by callId when the push repeats', () => {
    const memory = new PhoneMemory();
    expect(memory.decide(readApnsPush(voip('c1', T0 + 100)))).toBe('rang');
    expect(memory.decide(readApnsPush(voip('c1', T0 + 200)))).toBe('duplicate');
    expect(memory.decide(readApnsPush(voip('c2', T0 + 300)))).toBe('rang');
  });

  it('does not ring an iOS push when its ring window is over', () => {
    const memory = new PhoneMemory();
    expect(memory.decide(readApnsPush(voip('c1', T0 + 31_000)))).toBe('late');
    // iOS remembers it even so: a repeat is a duplicate.
    expect(memory.decide(readApnsPush(voip('c1', T0 + 31_500)))).toBe('duplicate');
  });

  it('uses the 30 s default when the payload has no ringTimeoutSeconds', () => {
    const push = readApnsPush(voip('c1', T0, { ringTimeoutSeconds: undefined }));
    expect(push.ringsUntilMs).toBe(T0 + 30_000);
  });

  it('shows an alert push and a VoIP push without a call without ringing', () => {
    const memory = new PhoneMemory();
    const alert = { ...voip('c1', T0), headers: { 'apns-push-type': 'alert' } };
    expect(memory.decide(readApnsPush(alert))).toBe('alert');
    expect(memory.decide(readApnsPush(voip('c1', T0, { type: 'other' })))).toBe('not-a-call');
    expect(memory.decide(readApnsPush(voip('c1', T0 + 10)))).toBe('rang');
  });

  it('rings an Android call once and drops a late message without remembering it', () => {
    const memory = new PhoneMemory();
    const late = readFcmMessage(fcm('c1', T0, '0s'));
    expect(late.ringsUntilMs).toBe(T0 + 30_000);
    expect(memory.decide(readFcmMessage({ ...fcm('c1', T0 + 40_000, '0s') }))).toBe('late');
    expect(memory.decide(readFcmMessage(fcm('c1', T0 + 41_000)))).toBe('rang');
    expect(memory.decide(readFcmMessage(fcm('c1', T0 + 42_000)))).toBe('duplicate');
    expect(memory.decide(readFcmMessage(fcm('c1', T0, '30s', 'missed_call')))).toBe('alert');
  });

  it('keeps a phone per token when two platforms carry one callId', () => {
    const memory = new PhoneMemory();
    expect(memory.decide(readApnsPush(voip('c1', T0)))).toBe('rang');
    expect(memory.decide(readFcmMessage(fcm('c1', T0)))).toBe('rang');
  });

  it('rings again after the memory forgot the call when a push comes back much later', () => {
    const memory = new PhoneMemory(1000);
    expect(memory.decide(readApnsPush(voip('c1', T0, { ringTimeoutSeconds: 120 })))).toBe('rang');
    expect(memory.decide(readApnsPush(voip('c1', T0 + 2000, { ringTimeoutSeconds: 120 })))).toBe('rang');
  });
});

describe('phone recorder', () => {
  it('records every push with its disposition and counts rings per device and call', () => {
    const recorder = new PhoneRecorder();
    recorder.receive(readApnsPush(voip('c1', T0 + 1)), { userId: 'u1', deviceId: 'd1' });
    recorder.receive(readApnsPush(voip('c1', T0 + 2)), { userId: 'u1', deviceId: 'd1' });
    expect(recorder.records().map((r) => r.disposition)).toEqual(['rang', 'duplicate']);
    expect(recorder.records()[0]).toEqual({
      at: T0 + 1,
      platform: 'ios',
      tokenHash: tokenHash(TOKEN),
      callId: 'c1',
      userId: 'u1',
      deviceId: 'd1',
      pushId: '6f1c1a5e-0000-4000-8000-000000000001',
      disposition: 'rang',
    });
    expect(recorder.rings('c1', TOKEN)).toBe(1);
    expect(JSON.stringify(recorder.records())).not.toContain(TOKEN);
  });

  it('decides in arrival order across both simulators when it replays their records', () => {
    const phones = phonesFor({
      apns: [voip('c1', T0 + 5), voip('c1', T0 + 1)],
      fcm: [fcm('c2', T0 + 3), fcm('c2', T0 + 2)],
    });
    expect(phones.records().map((r) => `${r.platform}:${r.at - T0}:${r.disposition}`)).toEqual([
      'ios:1:rang',
      'android:2:rang',
      'android:3:duplicate',
      'ios:5:duplicate',
    ]);
    expect(phones.rings('c2', FCM_TOKEN)).toBe(1);
  });
});

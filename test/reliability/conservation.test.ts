import { describe, expect, it } from '@jest/globals';
import { tokenHash } from '../../shared/domain/token-hash';
import {
  type ConservationInput,
  checkConservation,
  checkRings,
  type RingInput,
} from '../support/conservation';

/** The invariant checker must catch what it exists to catch, or every fault test passes vacuously. */
const calls = [
  {
    callId: 'c1',
    devices: [
      { deviceId: 'd1', token: 'aa' },
      { deviceId: 'd2', token: 'bb' },
    ],
  },
];
const push = (token: string, callId = 'c1') => ({ token, payload: { callId } });
const attempt = (deviceId: string, outcome: string, extra: Record<string, unknown> = {}) => ({
  message: 'push attempt',
  callId: 'c1',
  deviceId,
  outcome,
  ...extra,
});
const check = (input: Partial<ConservationInput>) =>
  checkConservation({ calls, pushes: [], logs: [], deadLetters: [], ...input });

describe('conservation invariant checker', () => {
  it('holds when every device has one terminal outcome and APNs took each delivered push once', () => {
    const report = check({
      pushes: [push('aa')],
      logs: [
        attempt('d1', 'retry'),
        attempt('d1', 'delivered'),
        attempt('d2', 'failed', { reason: 'BadTopic' }),
      ],
    });
    expect(report.violations).toEqual([]);
    expect(report.counts).toMatchObject({ delivered: 1, failed: 1 });
  });

  it('reports a lost device when a device has no outcome at all', () => {
    expect(check({ pushes: [push('aa')], logs: [attempt('d1', 'delivered')] }).violations).toEqual([
      'c1/d2: no terminal outcome (lost)',
    ]);
  });

  it('reports a second ring and two outcomes when APNs accepted a device twice', () => {
    const report = check({
      pushes: [push('aa'), push('aa'), push('bb')],
      logs: [attempt('d1', 'delivered'), attempt('d1', 'delivered'), attempt('d2', 'delivered')],
    });
    expect(report.violations).toEqual([
      'c1/d1: 2 terminal outcomes (delivered, delivered)',
      'c1/d1: APNs accepted 2 pushes (rang twice)',
    ]);
  });

  it('reports a silent ring when APNs accepted a push that no line records', () => {
    const report = check({
      pushes: [push('aa'), push('bb')],
      logs: [attempt('d1', 'delivered'), attempt('d2', 'failed')],
    });
    expect(report.violations).toEqual(['c1/d2: APNs accepted a push that no log line records']);
  });

  it('reports a push for a call that was never a valid event of the run', () => {
    const report = check({
      pushes: [push('aa'), push('bb'), push('aa', 'forged')],
      logs: [attempt('d1', 'delivered'), attempt('d2', 'delivered')],
    });
    expect(report.violations).toEqual([
      'APNs accepted a push for a call that is not a valid event of the run: forged',
    ]);
  });

  it('holds when an ambiguous push APNs took ends failed ambiguous_delivery', () => {
    const report = check({
      pushes: [push('aa'), push('bb')],
      logs: [
        attempt('d1', 'failed', { reason: 'ambiguous_delivery', maybeDelivered: true }),
        attempt('d2', 'delivered'),
      ],
    });
    expect(report.violations).toEqual([]);
    expect(report.devices.map((d) => d.outcomes)).toEqual([
      [{ kind: 'failed', reason: 'ambiguous_delivery' }],
      [{ kind: 'delivered' }],
    ]);
  });

  it('reports a second ring when a repeat follows an attempt logged maybeDelivered and ambiguous retries are off', () => {
    const report = check({
      pushes: [push('aa'), push('aa'), push('bb')],
      logs: [
        attempt('d1', 'retry', { maybeDelivered: true }),
        attempt('d1', 'delivered'),
        attempt('d2', 'delivered'),
      ],
    });
    expect(report.violations).toEqual(['c1/d1: APNs accepted 2 pushes (rang twice)']);
    expect(report.ambiguousRepeats).toEqual([]);
  });

  it('lists a repeat apart when it follows an attempt logged maybeDelivered and ambiguous retries are on', () => {
    const report = check({
      allowAmbiguousRepeats: true,
      pushes: [push('aa'), push('aa'), push('bb')],
      logs: [
        attempt('d1', 'retry', { maybeDelivered: true }),
        attempt('d1', 'delivered'),
        attempt('d2', 'delivered'),
      ],
    });
    expect(report.violations).toEqual([]);
    expect(report.ambiguousRepeats).toEqual(['c1/d1: APNs accepted 2 after 1 ambiguous attempt(s)']);
  });

  it('counts expired and dead-lettered calls for devices without a per-device outcome', () => {
    expect(check({ logs: [{ message: 'call expired before sending', callId: 'c1' }] }).counts).toMatchObject({
      expired: 2,
    });
    const dead = check({
      deadLetters: [{ body: JSON.stringify({ callId: 'c1' }), reason: 'payload_too_large' }],
    });
    expect(dead.violations).toEqual([]);
    expect(dead.counts['dead-lettered']).toBe(2);
  });
});

const phonePush = (token: string, disposition: string, callId = 'c1') => ({
  tokenHash: tokenHash(token),
  callId,
  disposition,
});
const rings = (input: Partial<RingInput>) =>
  checkRings({ calls, phones: [], logs: [], deadLetters: [], ...input });

describe('ring check at the phone', () => {
  it('holds when every device rang once and repeats the phones de-duplicated are only counted', () => {
    const report = rings({
      phones: [phonePush('aa', 'rang'), phonePush('aa', 'duplicate'), phonePush('bb', 'rang')],
      logs: [attempt('d1', 'retry', { maybeDelivered: true }), attempt('d1', 'delivered')],
    });
    expect(report.violations).toEqual([]);
    expect(report.counts).toEqual({ rang: 2, expired: 0, pruned: 0, failed: 0, 'dead-lettered': 0 });
    expect(report.repeats).toBe(1);
  });

  it('reports a second ring when a phone rang twice for one call', () => {
    const report = rings({
      phones: [phonePush('aa', 'rang'), phonePush('aa', 'rang'), phonePush('bb', 'rang')],
    });
    expect(report.violations).toEqual(['c1/d1: rang 2 times']);
  });

  it('reports a lost ring when the sender logged delivered but the phone got the push late', () => {
    const report = rings({
      phones: [phonePush('aa', 'rang'), phonePush('bb', 'late')],
      logs: [attempt('d1', 'delivered'), attempt('d2', 'delivered')],
    });
    expect(report.violations).toEqual(['c1/d2: never rang and no reason is recorded (lost)']);
  });

  it('accepts a recorded reason for a device that never rang and names it', () => {
    const report = rings({
      phones: [phonePush('aa', 'rang')],
      logs: [attempt('d2', 'failed', { reason: 'ambiguous_delivery' })],
    });
    expect(report.violations).toEqual([]);
    expect(report.devices.find((d) => d.deviceId === 'd2')).toMatchObject({
      rings: 0,
      reason: 'failed',
      detail: 'ambiguous_delivery',
    });
  });

  it('counts expired and dead-lettered calls when no phone rang', () => {
    expect(rings({ logs: [{ message: 'call expired before sending', callId: 'c1' }] }).counts.expired).toBe(
      2,
    );
    const dead = rings({
      deadLetters: [{ body: JSON.stringify({ callId: 'c1' }), reason: 'payload_too_large' }],
    });
    expect(dead.violations).toEqual([]);
    expect(dead.devices.map((d) => d.detail)).toEqual(['payload_too_large', 'payload_too_large']);
  });

  it('reports call pushes for a call outside the run and for a phone that is no recipient', () => {
    const report = rings({
      phones: [
        phonePush('aa', 'rang'),
        phonePush('bb', 'rang'),
        phonePush('aa', 'rang', 'forged'),
        phonePush('cc', 'duplicate'),
      ],
    });
    expect(report.violations).toEqual([
      'a phone got a call push for forged, not a valid call of the run',
      'a phone that is no recipient of c1 got its call push',
    ]);
  });

  it('ignores missed-call alerts when it counts rings', () => {
    const report = rings({
      phones: [phonePush('aa', 'rang'), phonePush('bb', 'alert')],
      logs: [attempt('d2', 'pruned')],
    });
    expect(report.violations).toEqual([]);
    expect(report.counts).toMatchObject({ rang: 1, pruned: 1 });
  });
});

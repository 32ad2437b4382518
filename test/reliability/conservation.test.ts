import { describe, expect, it } from '@jest/globals';
import { type ConservationInput, checkConservation } from '../support/conservation';

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

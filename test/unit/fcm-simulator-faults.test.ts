import { describe, expect, it } from '@jest/globals';
import { FaultPlan, parseFaults } from '../../local/fcm-simulator/faults';

describe('FCM simulator FaultPlan', () => {
  it('applies each fault only to events of its scope when sends, token requests and connections interleave', () => {
    const plan = new FaultPlan();
    plan.set([
      { kind: 'token-hang', count: 1 },
      { kind: 'tls-failure', count: 1 },
      { kind: 'answer', errorCode: 'UNAVAILABLE', count: 1 },
    ]);
    expect(plan.decide('send').fault?.kind).toBe('answer');
    expect(plan.decide('send').fault).toBeUndefined();
    expect(plan.decide('token').fault?.kind).toBe('token-hang');
    expect(plan.decide('connection').fault?.kind).toBe('tls-failure');
    expect(plan.empty).toBe(true);
  });

  it('lets the first events through, adds latency and stops after count when after and count are set', () => {
    const plan = new FaultPlan();
    plan.set([
      { kind: 'latency', ms: 15 },
      { kind: 'reset', after: 1, count: 1 },
    ]);
    expect(plan.decide('send')).toEqual({ delayMs: 15, fault: undefined });
    expect(plan.decide('send')).toEqual({ delayMs: 15, fault: { kind: 'reset', after: 1, count: 1 } });
    expect(plan.decide('send')).toEqual({ delayMs: 15, fault: undefined });
  });

  it('fires at about the given rate when a rate is set', () => {
    const plan = new FaultPlan();
    plan.set([{ kind: 'answer', errorCode: 'QUOTA_EXCEEDED', rate: 0.25 }]);
    const fired = Array.from({ length: 4000 }, () => plan.decide('send').fault).filter(Boolean).length;
    expect(fired).toBeGreaterThan(800);
    expect(fired).toBeLessThan(1200);
  });
});

describe('parseFaults for the FCM simulator', () => {
  it('throws naming the entry when an answer fault has neither errorCode nor status', () => {
    expect(() => parseFaults([{ kind: 'hang' }, { kind: 'answer', message: 'x' }])).toThrow('fault 1');
  });

  it('throws when a token-answer fault has no error', () => {
    expect(() => parseFaults({ kind: 'token-answer', status: 400 })).toThrow('fault 0');
  });
});

import { describe, expect, it } from '@jest/globals';
import { FaultPlan, parseFaults } from '../../local/apns-simulator/faults';

describe('FaultPlan', () => {
  it('lets the first requests through and stops after count when after and count are set', () => {
    const plan = new FaultPlan();
    plan.set([{ kind: 'hang', after: 2, count: 2 }]);
    const kinds = Array.from({ length: 6 }, () => plan.decide().fault?.kind ?? 'none');
    expect(kinds).toEqual(['none', 'none', 'hang', 'hang', 'none', 'none']);
    expect(plan.empty).toBe(true);
  });

  it('adds latency to the first terminal fault when both fire', () => {
    const plan = new FaultPlan();
    plan.set([
      { kind: 'latency', ms: 20 },
      { kind: 'answer', status: 503, reason: 'ServiceUnavailable' },
      { kind: 'reset' },
    ]);
    expect(plan.decide()).toEqual({
      delayMs: 20,
      fault: { kind: 'answer', status: 503, reason: 'ServiceUnavailable' },
    });
  });

  it('counts every request for after when an earlier fault took some of them', () => {
    const plan = new FaultPlan();
    plan.set([
      { kind: 'hang', after: 1, count: 2 },
      { kind: 'reset', after: 4, count: 1 },
    ]);
    const kinds = Array.from({ length: 6 }, () => plan.decide().fault?.kind ?? 'none');
    expect(kinds).toEqual(['none', 'hang', 'hang', 'none', 'reset', 'none']);
  });

  it('never fires when the rate is 0', () => {
    const plan = new FaultPlan();
    plan.set([{ kind: 'reset', rate: 0 }]);
    expect(Array.from({ length: 50 }, () => plan.decide().fault)).toEqual(Array(50).fill(undefined));
  });

  it('fails only connections, not requests, when the fault is a TLS failure', () => {
    const plan = new FaultPlan();
    plan.set([{ kind: 'tls-failure', count: 1 }]);
    expect(plan.decide().fault).toBeUndefined();
    expect(plan.failConnection()).toBe(true);
    expect(plan.failConnection()).toBe(false);
  });
});

describe('parseFaults', () => {
  it('accepts one fault object when it is not in a list', () => {
    expect(parseFaults({ kind: 'hang' })).toEqual([{ kind: 'hang' }]);
  });

  it('throws naming the entry when an answer fault has no status', () => {
    expect(() => parseFaults([{ kind: 'hang' }, { kind: 'answer', reason: 'X' }])).toThrow('fault 1');
  });
});

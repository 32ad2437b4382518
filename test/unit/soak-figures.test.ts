import { describe, expect, it } from '@jest/globals';
import { type SoakReport, soakProblems } from '../reliability/soak';
import { memoryFigures, ringViolations } from '../reliability/soak-figures';

const MB = 1024 * 1024;

describe('soak figures', () => {
  it('compares the median RSS after warm-up with the median of the last tenth, so one GC peak does not count', () => {
    // 100 s, one sample a second: 100 MB until 50 s, then 120 MB, with one 300 MB spike at 25 s.
    const samples = Array.from({ length: 101 }, (_, t) => ({
      t: t * 1000,
      rss: (t === 25 ? 300 : t < 50 ? 100 : 120) * MB,
      heapUsed: 10 * MB,
    }));
    const figures = memoryFigures(samples, 100_000, 0.2);
    expect(figures.warmRss).toBe(100 * MB);
    expect(figures.endRss).toBe(120 * MB);
    expect(figures.growthPct).toBeCloseTo(20);
    expect(figures.peakRss).toBe(300 * MB);
    expect(figures.rssByTenthMb).toEqual([100, 100, 100, 100, 100, 120, 120, 120, 120, 120]);
  });

  it('sorts ring violations into lost, doubled and the rest', () => {
    const sorted = ringViolations({
      devices: [],
      counts: { rang: 0, expired: 0, pruned: 0, failed: 0, 'dead-lettered': 0 },
      repeats: 0,
      violations: [
        'c-1/d-1: never rang and no reason is recorded (lost)',
        'c-1/d-2: rang 2 times',
        'a phone got a call push for c-9, not a valid call of the run',
      ],
    });
    expect([sorted.lost.length, sorted.doubled.length, sorted.other.length]).toEqual([1, 1, 1]);
  });

  const passing: SoakReport = {
    loadMs: 60_000,
    calls: 10,
    devices: 20,
    pushes: { apns: 10, fcm: 10 },
    rings: 20,
    lost: 0,
    doubled: 0,
    otherViolations: 0,
    repeats: 0,
    reasons: {},
    violations: [],
    faults: {
      apns: { 'drop-connection': 1, answer: 5 },
      fcm: { 'drop-connection:after-accept': 1, answer: 5 },
    },
    dynamoOutageMs: 4000,
    drainMs: 2000,
    leftInQueue: 0,
    memory: {
      samples: 60,
      warmRss: 100 * MB,
      endRss: 105 * MB,
      growthPct: 5,
      peakRss: 110 * MB,
      warmHeap: MB,
      endHeap: MB,
      rssByTenthMb: [],
    },
    latencyMs: { count: 20, p50: 30, p99: 100, max: 120 },
    errorLines: {},
    childExit: 0,
    secretFindings: [],
  };

  it('passes a soak without lost or doubled rings whose RSS grew at most 10 %', () => {
    expect(soakProblems(passing)).toEqual([]);
  });

  it('fails a soak that lost or doubled a ring, grew over 10 %, measured no RSS or whose faults never fired', () => {
    expect(soakProblems({ ...passing, lost: 1 })).toEqual(['1 ring(s) lost']);
    expect(soakProblems({ ...passing, doubled: 2 })).toEqual(['2 device(s) rang twice']);
    expect(soakProblems({ ...passing, memory: { ...passing.memory, growthPct: 10.5 } })).toEqual([
      'sender RSS grew 10.5 % after warm-up (> 10 %)',
    ]);
    expect(soakProblems({ ...passing, memory: { ...passing.memory, growthPct: Number.NaN } })).toHaveLength(
      1,
    );
    expect(soakProblems({ ...passing, faults: { apns: {}, fcm: passing.faults.fcm } })).toEqual([
      'a connection drop never fired',
      'a 503 burst never fired',
    ]);
    expect(soakProblems({ ...passing, dynamoOutageMs: undefined })).toEqual([
      'DynamoDB Local was not restarted',
    ]);
  });
});

import { median, percentile } from '../../bench/lib/stats';
import type { RingReport } from '../support/conservation';

/** One sample of the sender process's memory. */
export interface MemorySample {
  /** ms since the load started. */
  readonly t: number;
  readonly rss: number;
  readonly heapUsed: number;
}

export interface MemoryFigures {
  readonly samples: number;
  /** Median RSS over the window just after warm-up (from `warmupFraction` of the load, 10 % of it long). */
  readonly warmRss: number;
  /** Median RSS over the last 10 % of the load. */
  readonly endRss: number;
  readonly growthPct: number;
  readonly peakRss: number;
  readonly warmHeap: number;
  readonly endHeap: number;
  /** Median RSS of each tenth of the load, in MB: the curve. */
  readonly rssByTenthMb: number[];
}

/**
 * RSS after warm-up against RSS at the end. Medians over a window at each end, not single samples: RSS
 * saws with every GC, so one sample at a peak or a trough would say more about the GC than a leak.
 */
export function memoryFigures(
  samples: readonly MemorySample[],
  loadMs: number,
  warmupFraction: number,
): MemoryFigures {
  const between = (from: number, to: number) => samples.filter((s) => s.t >= from && s.t <= to);
  const warm = between(loadMs * warmupFraction, loadMs * (warmupFraction + 0.1));
  const end = between(loadMs * 0.9, loadMs);
  const warmRss = median(warm.map((s) => s.rss));
  const endRss = median(end.map((s) => s.rss));
  return {
    samples: samples.length,
    warmRss,
    endRss,
    growthPct: ((endRss - warmRss) / warmRss) * 100,
    peakRss: Math.max(...samples.map((s) => s.rss)),
    warmHeap: median(warm.map((s) => s.heapUsed)),
    endHeap: median(end.map((s) => s.heapUsed)),
    rssByTenthMb: Array.from({ length: 10 }, (_, i) =>
      mb(median(between((loadMs * i) / 10, (loadMs * (i + 1)) / 10).map((s) => s.rss))),
    ),
  };
}

export interface LatencyFigures {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function latencyFigures(values: readonly number[]): LatencyFigures {
  return {
    count: values.length,
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    max: values.length === 0 ? Number.NaN : Math.max(...values),
  };
}

/** Violations of the ring invariant, sorted into lost, doubled and the rest. */
export function ringViolations(report: RingReport): { lost: string[]; doubled: string[]; other: string[] } {
  const lost = report.violations.filter((v) => v.endsWith('(lost)'));
  const doubled = report.violations.filter((v) => / rang \d+ times$/.test(v));
  const other = report.violations.filter((v) => !lost.includes(v) && !doubled.includes(v));
  return { lost, doubled, other };
}

/** Why each device that never rang did not: `<reason>` or `<reason>:<detail>`, counted. */
export function recordedReasons(report: RingReport): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const device of report.devices) {
    if (!device.reason) continue;
    const label = device.detail ? `${device.reason}:${device.detail}` : device.reason;
    reasons[label] = (reasons[label] ?? 0) + 1;
  }
  return reasons;
}

export const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

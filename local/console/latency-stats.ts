import type { Distribution } from './console-types';

/** Bucket upper bounds (ms) of the console's histogram; the last bucket is open. */
export const BUCKET_BOUNDS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000] as const;

/** Nearest-rank percentile of sorted values (`p` in 0..100). */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The latest `capacity` samples of one latency, summarised as percentiles and a histogram. */
export class LatencyWindow {
  private readonly samples: number[] = [];

  constructor(private readonly capacity = 2000) {}

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.samples.push(ms);
    if (this.samples.length > this.capacity) this.samples.shift();
  }

  summary(): Distribution {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const buckets = [...BUCKET_BOUNDS_MS, null].map((upToMs) => ({ upToMs, count: 0 }));
    for (const ms of sorted) {
      const index = BUCKET_BOUNDS_MS.findIndex((bound) => ms <= bound);
      (buckets[index === -1 ? buckets.length - 1 : index] as { count: number }).count++;
    }
    const round = (value: number | undefined) => (value === undefined ? undefined : Math.round(value));
    const p50 = round(percentile(sorted, 50));
    const p95 = round(percentile(sorted, 95));
    const p99 = round(percentile(sorted, 99));
    const max = round(sorted.at(-1));
    return {
      count: sorted.length,
      ...(p50 === undefined ? {} : { p50 }),
      ...(p95 === undefined ? {} : { p95 }),
      ...(p99 === undefined ? {} : { p99 }),
      ...(max === undefined ? {} : { max }),
      buckets,
    };
  }
}

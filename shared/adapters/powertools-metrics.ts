import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type MetricNameValue } from '../platform/metric-names';
import type { MetricsSink } from '../ports/metrics';

/** One Powertools Metrics per function, in the project's namespace, built by its composition root. */
export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName });
}

interface DimensionedCounts {
  readonly dimension: string;
  readonly value: string;
  readonly sums: Map<MetricNameValue, number>;
}

/**
 * EMF through Powertools Metrics; the `service` dimension comes from the Metrics instance.
 *
 * Counts are summed in memory and written at flush(): every alarm and graph on them uses the Sum
 * statistic, which is unchanged, while a fan-out to 1,000 devices no longer writes one EMF document per
 * push (what `singleMetric()` per `countBy` did, building a Metrics instance each time) nor an array of
 * 1,000 ones per counter. Latencies stay Powertools' own buffer: same-named values are kept as an array
 * (CloudWatch computes the percentiles from them), written at flush() or every 100 values.
 */
export class PowertoolsMetricsSink implements MetricsSink {
  private readonly counts = new Map<MetricNameValue, number>();
  /** Keyed by dimension and value; insertion order is the order of the documents at flush(). */
  private readonly dimensioned = new Map<string, DimensionedCounts>();

  constructor(private readonly metrics: Metrics) {}

  count(name: MetricNameValue, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }

  countBy(name: MetricNameValue, dimension: string, dimensionValue: string, value = 1): void {
    const key = `${dimension}\u0000${dimensionValue}`;
    let entry = this.dimensioned.get(key);
    if (!entry) {
      entry = { dimension, value: dimensionValue, sums: new Map() };
      this.dimensioned.set(key, entry);
    }
    entry.sums.set(name, (entry.sums.get(name) ?? 0) + value);
  }

  milliseconds(name: MetricNameValue, value: number): void {
    this.metrics.addMetric(name, MetricUnit.Milliseconds, Math.max(0, value));
  }

  valueBy(name: MetricNameValue, dimension: string, dimensionValue: string, value: number): void {
    const single = this.metrics.singleMetric();
    single.addDimension(dimension, dimensionValue);
    single.addMetric(name, MetricUnit.Count, value);
  }

  flush(): void {
    // Synchronous from here to the end: nothing else can add to the buffer between these documents.
    try {
      for (const [name, value] of this.counts) this.metrics.addMetric(name, MetricUnit.Count, value);
    } finally {
      this.counts.clear();
    }
    // Powertools warns on an empty publish: only when nothing at all was counted, as before.
    if (this.metrics.hasStoredMetrics() || this.dimensioned.size === 0) this.metrics.publishStoredMetrics();
    const dimensioned = [...this.dimensioned.values()];
    this.dimensioned.clear();
    for (const { dimension, value, sums } of dimensioned) {
      // A dimension added to the instance (not a default one) is cleared by publishStoredMetrics().
      this.metrics.addDimension(dimension, value);
      for (const [name, sum] of sums) this.metrics.addMetric(name, MetricUnit.Count, sum);
      this.metrics.publishStoredMetrics();
    }
  }
}

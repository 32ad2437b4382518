import type { MetricNameValue } from '../platform/metric-names';

/**
 * The metrics port: the metric calls the functions make; names come from the metrics contract in
 * `shared/platform/metric-names.ts`. Adapter: EMF through Powertools Metrics
 * (`shared/adapters/powertools-metrics.ts`); double: `test/fakes/memory-telemetry.ts`.
 */
export interface MetricsSink {
  /** A count, summed in memory and written at flush() (one value per name and flush). */
  count(name: MetricNameValue, value?: number): void;
  /**
   * A count with one extra dimension (e.g. PushOutcome by Reason), summed in memory per dimension value
   * and written at flush() as one EMF document per distinct dimension value.
   */
  countBy(name: MetricNameValue, dimension: string, dimensionValue: string, value?: number): void;
  milliseconds(name: MetricNameValue, value: number): void;
  /** A value with one extra dimension (e.g. CertificateDaysLeft by BundleId), written at once. */
  valueBy(name: MetricNameValue, dimension: string, dimensionValue: string, value: number): void;
  /** Writes what is buffered (end of an invocation). */
  flush(): void;
}

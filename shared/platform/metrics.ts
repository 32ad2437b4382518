import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ApnsCredential } from '../domain/apns-credential';
import type { ApnsSender } from '../ports/apns-sender';
import { MetricName, type MetricNameValue } from './metric-names';

/** Structured log sink: one static message plus a data object per line. Powertools Logger fits it. */
export interface LogSink {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** Powertools Logger as a LogSink: the data object's keys become top-level JSON keys of the line. */
export function loggerSink(logger: Logger): LogSink {
  return {
    info: (message, data) => (data ? logger.info(message, data) : logger.info(message)),
    warn: (message, data) => (data ? logger.warn(message, data) : logger.warn(message)),
    error: (message, data) => (data ? logger.error(message, data) : logger.error(message)),
  };
}

/** The metric calls the sender makes; names come from the metrics contract in metric-names.ts. */
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

export interface RecordedMetric {
  readonly name: MetricNameValue;
  readonly value: number;
  readonly unit: 'Count' | 'Milliseconds';
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Keeps metrics in memory: for tests and local tools that assert on what would be emitted. */
export class MemoryMetricsSink implements MetricsSink {
  readonly recorded: RecordedMetric[] = [];
  flushes = 0;

  count(name: MetricNameValue, value = 1): void {
    this.recorded.push({ name, value, unit: 'Count', dimensions: {} });
  }
  countBy(name: MetricNameValue, dimension: string, dimensionValue: string, value = 1): void {
    this.recorded.push({ name, value, unit: 'Count', dimensions: { [dimension]: dimensionValue } });
  }
  milliseconds(name: MetricNameValue, value: number): void {
    this.recorded.push({ name, value: Math.max(0, value), unit: 'Milliseconds', dimensions: {} });
  }
  valueBy(name: MetricNameValue, dimension: string, dimensionValue: string, value: number): void {
    this.recorded.push({ name, value, unit: 'Count', dimensions: { [dimension]: dimensionValue } });
  }
  flush(): void {
    this.flushes += 1;
  }
  /** Sum of a metric's values, optionally only those with the given dimension value. */
  sum(name: MetricNameValue, dimensions: Record<string, string> = {}): number {
    return this.recorded
      .filter((m) => m.name === name && Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v))
      .reduce((total, m) => total + m.value, 0);
  }
}

export interface LoggedLine {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly data: Record<string, unknown>;
}

/** Keeps log lines in memory (tests). */
export class MemoryLogSink implements LogSink {
  readonly lines: LoggedLine[] = [];
  info(message: string, data: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'info', message, data });
  }
  warn(message: string, data: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'warn', message, data });
  }
  error(message: string, data: Record<string, unknown> = {}): void {
    this.lines.push({ level: 'error', message, data });
  }
  withMessage(message: string): LoggedLine[] {
    return this.lines.filter((line) => line.message === message);
  }
}

/** Emits CertificateDaysLeft (dimension BundleId) for a certificate credential; nothing for token auth. */
export function reportCertificateDaysLeft(
  metrics: MetricsSink,
  apns: Pick<ApnsSender, 'certificateDaysLeft'>,
  credential: ApnsCredential,
  now = new Date(),
): number | undefined {
  const days = apns.certificateDaysLeft(credential, now);
  if (typeof days === 'number' && Number.isFinite(days)) {
    metrics.valueBy(MetricName.CertificateDaysLeft, 'BundleId', credential.bundleId, days);
  }
  return days;
}

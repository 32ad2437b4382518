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
  count(name: MetricNameValue, value?: number): void;
  /** A count with one extra dimension (e.g. PushOutcome by Reason), emitted as its own EMF document. */
  countBy(name: MetricNameValue, dimension: string, dimensionValue: string, value?: number): void;
  milliseconds(name: MetricNameValue, value: number): void;
  /** A value with one extra dimension (e.g. CertificateDaysLeft by BundleId). */
  valueBy(name: MetricNameValue, dimension: string, dimensionValue: string, value: number): void;
  /** Writes what is buffered (end of an invocation). */
  flush(): void;
}

/** EMF through Powertools Metrics; the `service` dimension comes from the Metrics instance. */
export class PowertoolsMetricsSink implements MetricsSink {
  constructor(private readonly metrics: Metrics) {}

  count(name: MetricNameValue, value = 1): void {
    this.metrics.addMetric(name, MetricUnit.Count, value);
  }

  countBy(name: MetricNameValue, dimension: string, dimensionValue: string, value = 1): void {
    const single = this.metrics.singleMetric();
    single.addDimension(dimension, dimensionValue);
    single.addMetric(name, MetricUnit.Count, value);
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
    this.metrics.publishStoredMetrics();
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

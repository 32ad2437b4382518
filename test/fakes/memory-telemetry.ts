import { type MetricNameValue, PLATFORM_DIMENSION } from '../../shared/platform/metric-names';
import type { LogSink } from '../../shared/ports/log';
import type { MetricsSink } from '../../shared/ports/metrics';

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
  /**
   * The sum of a metric's values whose dimensions match. The `Platform` split is a second view of counts
   * also emitted without it, so it is summed only when `dimensions` names a platform.
   */
  sum(name: MetricNameValue, dimensions: Record<string, string> = {}): number {
    const split = PLATFORM_DIMENSION in dimensions;
    return this.recorded
      .filter((m) => m.name === name && (split || !(PLATFORM_DIMENSION in m.dimensions)))
      .filter((m) => Object.entries(dimensions).every(([k, v]) => m.dimensions[k] === v))
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

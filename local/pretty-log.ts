/**
 * `npm start -- --pretty`: one short line per JSON log line, for people reading a terminal:
 * `16:54:58.379 INFO  sender   push attempt callId=c-1 deviceId=iphone statusCode=200 ...`.
 * EMF metric lines become `METRIC` lines with their values; anything that is not JSON (READY, errors)
 * passes unchanged, so the READY contract holds in both modes.
 */
import { type LogRecord, parseLogRecord } from './log-lines';

/** Keys every Powertools line carries that say nothing to a person at a terminal. */
const QUIET_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'time',
  'service',
  'sampling_rate',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
  'xray_trace_id',
  '_aws',
]);

const MAX_VALUE_CHARS = 160;

function clock(record: LogRecord): string {
  const raw = record.timestamp ?? record.time;
  const at = typeof raw === 'string' || typeof raw === 'number' ? new Date(raw) : new Date();
  const valid = Number.isNaN(at.getTime()) ? new Date() : at;
  return valid.toISOString().slice(11, 23);
}

function shortService(record: LogRecord): string {
  const service = typeof record.service === 'string' ? record.service : '';
  return service.replace(/^voip-push-/, '').padEnd(8);
}

function value(raw: unknown): string {
  const text =
    typeof raw === 'string'
      ? /\s/.test(raw)
        ? JSON.stringify(raw)
        : raw
      : typeof raw === 'number'
        ? String(Math.round(raw * 10) / 10)
        : JSON.stringify(raw);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text;
}

function pairs(record: LogRecord, skip: ReadonlySet<string>): string {
  return Object.entries(record)
    .filter(([key, raw]) => !skip.has(key) && raw !== undefined)
    .map(([key, raw]) => `${key}=${value(raw)}`)
    .join(' ');
}

/** The names of the metrics an EMF line declares. */
function metricNames(record: LogRecord): Set<string> {
  const aws = record._aws as
    | { CloudWatchMetrics?: Array<{ Metrics?: Array<{ Name?: string }> }> }
    | undefined;
  const names = new Set<string>();
  for (const group of aws?.CloudWatchMetrics ?? []) {
    for (const metric of group.Metrics ?? []) if (metric.Name) names.add(metric.Name);
  }
  return names;
}

/** One record as a line for people. */
export function prettyRecord(record: LogRecord): string {
  const at = clock(record);
  const service = shortService(record);
  if (record._aws !== undefined) {
    const names = metricNames(record);
    const values = Object.entries(record)
      .filter(([key]) => names.has(key))
      .map(([key, raw]) => `${key}=${value(raw)}`)
      .join(' ');
    return `${at} METRIC ${service} ${values}`.trimEnd();
  }
  const level = (typeof record.level === 'string' ? record.level : 'INFO').toUpperCase().padEnd(5);
  const message = typeof record.message === 'string' ? record.message : '';
  return `${at} ${level} ${service} ${message} ${pairs(record, QUIET_KEYS)}`.trimEnd();
}

/** A written line as a person should read it: JSON log lines pretty, the rest unchanged. */
export function prettyLine(line: string): string {
  const record = parseLogRecord(line);
  return record ? prettyRecord(record) : line;
}

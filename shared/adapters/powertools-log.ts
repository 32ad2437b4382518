import { isRequestXRaySampled } from '@aws-lambda-powertools/commons/utils/env';
import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import type { LogSink } from '../ports/log';

/** The log port on Powertools Logger: one Logger per function, built by its composition root. */

export interface LoggerOptions {
  /** Lines without Powertools' keys that say nothing here (see CompactLogFormatter). @default false */
  readonly compact?: boolean;
}

/** One Powertools Logger per function; `serviceName` is one of `ServiceName` in metric-names.ts. */
export function createLogger(serviceName: string, logLevel?: string, options: LoggerOptions = {}): Logger {
  return new Logger({
    serviceName,
    ...(logLevel ? { logLevel: logLevel.toUpperCase() as 'INFO' } : {}),
    ...(options.compact ? { logFormatter: new CompactLogFormatter() } : {}),
  });
}

/**
 * Powertools' line (`level`, `message`, `timestamp`, `service`, the Lambda context keys when a context
 * is added, then the data) without `sampling_rate` when it is 0 (no debug sampling) and without
 * `xray_trace_id` when the invocation is not sampled (no trace to look it up in): 72 bytes of every
 * line of the sender, which writes one per push.
 */
export class CompactLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_arn: context?.invokedFunctionArn,
        function_memory_size: context?.memoryLimitInMB,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        sampling_rate: attributes.sampleRateValue ? attributes.sampleRateValue : undefined,
        xray_trace_id: isRequestXRaySampled() ? attributes.xRayTraceId : undefined,
      },
    }).addAttributes(additional);
  }
}

/** Powertools Logger as a LogSink: the data object's keys become top-level JSON keys of the line. */
export function loggerSink(logger: Logger): LogSink {
  return {
    info: (message, data) => (data ? logger.info(message, data) : logger.info(message)),
    warn: (message, data) => (data ? logger.warn(message, data) : logger.warn(message)),
    error: (message, data) => (data ? logger.error(message, data) : logger.error(message)),
  };
}

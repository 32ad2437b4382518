import { Logger } from '@aws-lambda-powertools/logger';
import type { LogSink } from '../ports/log';

/** The log port on Powertools Logger: one Logger per function, built by its composition root. */

/** One Powertools Logger per function; `serviceName` is one of `ServiceName` in metric-names.ts. */
export function createLogger(serviceName: string, logLevel?: string): Logger {
  return new Logger({ serviceName, ...(logLevel ? { logLevel: logLevel.toUpperCase() as 'INFO' } : {}) });
}

/** Powertools Logger as a LogSink: the data object's keys become top-level JSON keys of the line. */
export function loggerSink(logger: Logger): LogSink {
  return {
    info: (message, data) => (data ? logger.info(message, data) : logger.info(message)),
    warn: (message, data) => (data ? logger.warn(message, data) : logger.warn(message)),
    error: (message, data) => (data ? logger.error(message, data) : logger.error(message)),
  };
}

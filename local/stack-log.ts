import { Logger } from '@aws-lambda-powertools/logger';
import type { LogFn } from './api-server';

/** The `service` of the local stack's own log lines (the functions keep theirs). */
export const STACK_SERVICE_NAME = 'voip-push-local';

/**
 * The stack's own log lines (`services started`, the API's `request` lines, the phones' receipts) in
 * the functions' format: a Powertools Logger, so every JSON line on stdout has `level` (`INFO`),
 * `message`, `timestamp` and `service`; errors go to stderr as Powertools sends them.
 */
export function createStackLog(env: Readonly<Record<string, string | undefined>> = process.env): LogFn {
  const logLevel = (env.POWERTOOLS_LOG_LEVEL ?? 'INFO').toUpperCase() as 'INFO';
  const logger = new Logger({ serviceName: STACK_SERVICE_NAME, logLevel });
  return (level, message, data) => {
    if (level === 'error') logger.error(message, data);
    else logger.info(message, data);
  };
}

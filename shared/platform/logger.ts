import { Logger } from '@aws-lambda-powertools/logger';

/** One Powertools Logger per function; `serviceName` is one of `ServiceName` in metric-names.ts. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/** A short, stable fingerprint of a device token for logs (one implementation, in the domain). */
export { tokenHash as hashToken } from '../domain/token-hash';

/** The part of a logger that use cases need: one static message plus a data object. */
export interface EventLogger {
  info(message: string, data: Record<string, unknown>): void;
}

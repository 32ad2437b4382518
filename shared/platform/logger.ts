import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';

/** One Powertools Logger per function; `serviceName` is one of `ServiceName` in metric-names.ts. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/**
 * A short, stable fingerprint of a device token for logs: the first 12 hex chars of its sha256.
 * Enough to correlate lines about one token, never the token itself.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token.toLowerCase()).digest('hex').slice(0, 12);
}

/** The part of a logger that use cases need: one static message plus a data object. */
export interface EventLogger {
  info(message: string, data: Record<string, unknown>): void;
}

import { createHash } from 'node:crypto';

/** First 12 hex digits of the token's sha256: enough to follow one token through the logs, never the token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token.toLowerCase()).digest('hex').slice(0, 12);
}

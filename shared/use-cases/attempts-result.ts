import type { ApnsEnvironment } from '../domain/apns-credential';
import { type AnsweredAttempt, reportedApnsId } from './send-attempt';

/** Where the pushes to one device ended up, after every retry. */
export interface AttemptsResult {
  readonly outcome: 'delivered' | 'pruned' | 'failed' | 'deferred';
  readonly reason?: string;
  readonly apnsId: string;
  readonly statusCode?: number;
  readonly environment: ApnsEnvironment;
  readonly attempts: number;
  readonly acceptedAt?: string;
}

/** The result that ends with this attempt. */
export function attemptsResult(
  attempt: AnsweredAttempt,
  outcome: AttemptsResult['outcome'],
  why?: string,
): AttemptsResult {
  return {
    outcome,
    environment: attempt.environment,
    attempts: attempt.number,
    apnsId: reportedApnsId(attempt),
    ...(why ? { reason: why } : {}),
    ...(attempt.statusCode ? { statusCode: attempt.statusCode } : {}),
    ...(outcome === 'delivered' ? { acceptedAt: new Date(attempt.answeredAt).toISOString() } : {}),
  };
}

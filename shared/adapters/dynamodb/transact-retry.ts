import { ThrottledError } from '../../domain/errors';
import { fullJitterBackoffMs } from '../../lib/helpers';

export interface RetryOptions {
  /** Attempts in all, the first included. Default 8. */
  readonly maxAttempts?: number;
  /** Upper bound of the first backoff in ms; doubles per attempt up to 250 ms. Default 10. */
  readonly baseDelayMs?: number;
  readonly random?: () => number;
}

interface CancellationReason {
  readonly Code?: string;
}

/** True when a TransactWriteItems lost an optimistic race: a condition failed or a concurrent transaction collided. */
export function isLostRace(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return false;
  const reasons = (error as Error & { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
  return reasons.some(
    (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
  );
}

/**
 * Runs read-then-transact `attempt` until it commits: after a lost race it re-reads and tries again,
 * with full-jitter exponential backoff. Other errors propagate. Gives up with ThrottledError.
 */
export async function retryOnLostRace<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 8;
  const baseDelayMs = options.baseDelayMs ?? 10;
  const random = options.random ?? Math.random;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isLostRace(error)) throw error;
      if (tries >= maxAttempts) {
        throw new ThrottledError(`write kept losing races after ${maxAttempts} attempts`, { cause: error });
      }
      const delayMs = fullJitterBackoffMs(baseDelayMs, 250, tries - 1, random());
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

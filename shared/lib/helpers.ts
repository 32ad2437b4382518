/**
 * Small general-purpose helpers with no knowledge of calls, devices or AWS: bounded concurrency, retry
 * backoff, and errors as log fields. Everything else in `shared/` may use them; they import nothing.
 */

/** Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/**
 * A bound shared by tasks handed in at different times: at most `limit` of them run at once, the
 * others wait for a free slot (roughly in the order they came).
 */
export function boundedRunner(limit: number): <R>(task: () => Promise<R>) => Promise<R> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <R>(task: () => Promise<R>): Promise<R> => {
    while (active >= Math.max(1, limit)) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/**
 * Exponential backoff with equal jitter: base·2ⁿ capped, then a random half of it on top of the other half.
 * `jitter` is a number in [0, 1).
 */
export function equalJitterBackoffMs(baseMs: number, capMs: number, retries: number, jitter: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** retries);
  return Math.round(ceiling / 2 + (ceiling / 2) * jitter);
}

/** Exponential backoff with full jitter: anywhere in [0, base·2ⁿ capped). `jitter` is a number in [0, 1). */
export function fullJitterBackoffMs(baseMs: number, capMs: number, retries: number, jitter: number): number {
  return Math.floor(jitter * Math.min(capMs, baseMs * 2 ** retries));
}

/** An error as one log field: its name and message, or its string form when it is not an Error. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Only an error's name (for errors whose message may quote a secret or a token). */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

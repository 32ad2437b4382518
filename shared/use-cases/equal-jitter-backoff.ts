/**
 * Exponential backoff with equal jitter: base·2ⁿ capped, then a random half of it on top of the other half.
 * `jitter` is a number in [0, 1).
 */
export function equalJitterBackoffMs(baseMs: number, capMs: number, retries: number, jitter: number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** retries);
  return Math.round(ceiling / 2 + (ceiling / 2) * jitter);
}

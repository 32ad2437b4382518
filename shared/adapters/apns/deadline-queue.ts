import type { Exchange } from './apns-connection';

/**
 * Request deadlines with one timer instead of one per request: all requests share one timeout, so
 * deadlines arrive in order and a FIFO swept every `sweepEveryMs` finds the expired ones at its head.
 */
export class DeadlineQueue {
  private readonly queue: Exchange[] = [];
  private head = 0;
  private sweeper: NodeJS.Timeout | undefined;
  private readonly sweepEveryMs: number;

  constructor(readonly timeoutMs: number) {
    this.sweepEveryMs = Math.min(100, Math.max(5, Math.floor(timeoutMs / 20)));
  }

  /** Starts the exchange's clock at `startedAt` (a performance.now() value). */
  add(exchange: Exchange, startedAt: number): void {
    exchange.deadline = startedAt + this.timeoutMs;
    this.queue.push(exchange);
    this.sweeper ??= setInterval(() => this.sweep(), this.sweepEveryMs);
  }

  /** Fails the exchanges past their deadline (cancelling their streams); the timer stops when none is left. */
  sweep(): void {
    const now = performance.now();
    const queue = this.queue;
    let head = this.head;
    while (head < queue.length) {
      const exchange = queue[head] as Exchange;
      if (!exchange.settled && exchange.deadline > now) break;
      queue[head++] = undefined as never;
      exchange.expire();
    }
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    } else if (head > 1024 && head * 2 > queue.length) {
      queue.splice(0, head);
      head = 0;
    }
    this.head = head;
  }
}

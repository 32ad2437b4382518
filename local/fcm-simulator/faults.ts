/**
 * Fault injection for the FCM simulator. A fault counts the events of its scope since the faults were
 * set (sends, token requests, or new connections for `tls-failure`): it lets the first `after` through,
 * then applies with probability `rate` (default 1), at most `count` times (default: no limit), after which
 * it is dropped. Of several terminal faults for one event the first in the list wins; latencies add up.
 */
import type { FaultTrigger } from '../apns-simulator/faults';

export type { FaultTrigger };

export type Fault = FaultTrigger &
  /**
   * That answer instead of the real one: `errorCode` fills in FCM's status and message (QUOTA_EXCEEDED →
   * 429 RESOURCE_EXHAUSTED); `status` alone answers without an FcmError detail (401 → UNAUTHENTICATED).
   * `retryAfter`: seconds, or an HTTP date, sent as Retry-After.
   */
  (
    | {
        readonly kind: 'answer';
        readonly errorCode?: string;
        readonly status?: number;
        readonly message?: string;
        readonly retryAfter?: number | string;
      }
    /** Holds the answer `ms` plus a random 0..`jitterMs` (adds to any other fault). */
    | { readonly kind: 'latency'; readonly ms: number; readonly jitterMs?: number }
    /** RST_STREAM instead of an answer (HTTP/1.1: the connection is closed). @default code INTERNAL_ERROR */
    | { readonly kind: 'reset'; readonly errorCode?: number }
    /** GOAWAY naming the last stream processed: this request and later streams are refused. */
    | { readonly kind: 'goaway'; readonly errorCode?: number; readonly debug?: string }
    /**
     * Destroys the TCP connection with its requests in flight, before the message is taken (not recorded)
     * or after (recorded with `droppedAfterAccept`, as FCM would have delivered it). @default before-accept
     */
    | { readonly kind: 'drop-connection'; readonly when?: 'before-accept' | 'after-accept' }
    /** Never answers. */
    | { readonly kind: 'hang' }
    /** Closes new TCP connections before the TLS handshake. */
    | { readonly kind: 'tls-failure' }
    /** The token endpoint answers `status` with OAuth's `{ error, error_description }`. */
    | {
        readonly kind: 'token-answer';
        readonly status: number;
        readonly error: string;
        readonly description?: string;
      }
    /** The token endpoint never answers. */
    | { readonly kind: 'token-hang' }
  );

export type FaultKind = Fault['kind'];
export type Scope = 'send' | 'token' | 'connection';

const SCOPES: Readonly<Record<FaultKind, Scope>> = {
  answer: 'send',
  latency: 'send',
  reset: 'send',
  goaway: 'send',
  'drop-connection': 'send',
  hang: 'send',
  'tls-failure': 'connection',
  'token-answer': 'token',
  'token-hang': 'token',
};

export interface FaultDecision<F extends Fault = Fault> {
  readonly delayMs: number;
  readonly fault: F | undefined;
}

interface ActiveFault {
  readonly fault: Fault;
  seen: number;
  applied: number;
}

/** Checks a fault list read from JSON (control API). Throws with a message naming the bad entry. */
export function parseFaults(input: unknown): Fault[] {
  const list = Array.isArray(input) ? input : [input];
  return list.map((item, index) => {
    const kind = typeof item === 'object' && item !== null ? (item as { kind?: unknown }).kind : undefined;
    if (typeof kind !== 'string' || !(kind in SCOPES))
      throw new Error(`fault ${index}: kind must be one of ${Object.keys(SCOPES).join(', ')}`);
    const fault = item as Fault;
    if (fault.kind === 'answer' && typeof fault.errorCode !== 'string' && typeof fault.status !== 'number')
      throw new Error(`fault ${index}: an answer fault needs an errorCode or a numeric status`);
    if (fault.kind === 'latency' && typeof fault.ms !== 'number')
      throw new Error(`fault ${index}: latency needs ms`);
    if (
      fault.kind === 'token-answer' &&
      (typeof fault.status !== 'number' || typeof fault.error !== 'string')
    )
      throw new Error(`fault ${index}: a token-answer fault needs a numeric status and an error`);
    return fault;
  });
}

export class FaultPlan {
  private active: ActiveFault[] = [];

  set(faults: readonly Fault[]): void {
    this.active = faults.map((fault) => ({ fault, seen: 0, applied: 0 }));
  }

  list(): Fault[] {
    return this.active.map((entry) => entry.fault);
  }

  get empty(): boolean {
    return this.active.length === 0;
  }

  /** For one event of `scope`: the extra delay, and the first terminal fault that fires. */
  decide(scope: Scope): FaultDecision {
    let delayMs = 0;
    let fault: Fault | undefined;
    for (const entry of this.active) {
      const candidate = entry.fault;
      if (SCOPES[candidate.kind] !== scope) continue;
      const additive = candidate.kind === 'latency';
      if (!this.fires(entry, !additive && fault !== undefined)) continue;
      if (candidate.kind === 'latency') delayMs += candidate.ms + Math.random() * (candidate.jitterMs ?? 0);
      else fault = candidate;
    }
    this.prune();
    return { delayMs, fault };
  }

  /** Counts the event; true when the fault applies to it (never when another fault already took it). */
  private fires(entry: ActiveFault, shadowed: boolean): boolean {
    const { after = 0, rate = 1 } = entry.fault;
    entry.seen++;
    if (entry.seen <= after || shadowed) return false;
    if (rate < 1 && Math.random() >= rate) return false;
    entry.applied++;
    return true;
  }

  private prune(): void {
    if (this.active.some((entry) => entry.fault.count !== undefined && entry.applied >= entry.fault.count)) {
      this.active = this.active.filter(
        (entry) => entry.fault.count === undefined || entry.applied < entry.fault.count,
      );
    }
  }
}

/**
 * Fault injection for the APNs simulator. Each fault counts every request (every new connection for
 * `tls-failure`) since the faults were set: it lets the first `after` through, then applies with
 * probability `rate` (default 1), at most `count` times (default: no limit), after which it is dropped.
 * When several terminal faults would apply to one request, the first in the list wins; latency adds up.
 */
export interface FaultTrigger {
  /** Requests (connections for `tls-failure`) to let through before the fault starts. @default 0 */
  readonly after?: number;
  /** Probability per request, 0..1. @default 1 */
  readonly rate?: number;
  /** Applies this many times, then is removed. @default unlimited */
  readonly count?: number;
}

export type Fault = FaultTrigger &
  (
    | {
        readonly kind: 'answer';
        readonly status: number;
        readonly reason: string;
        readonly timestamp?: number;
      }
    /** Holds the answer `ms` plus a random 0..`jitterMs` (adds to any other fault). */
    | { readonly kind: 'latency'; readonly ms: number; readonly jitterMs?: number }
    /** GOAWAY (JSON `{reason}` as debug data); this request and later ones on the connection are refused. */
    | { readonly kind: 'goaway'; readonly reason?: string; readonly errorCode?: number }
    /** RST_STREAM instead of an answer (default code INTERNAL_ERROR). */
    | { readonly kind: 'reset'; readonly errorCode?: number }
    /** Destroys the TCP connection with its streams in flight. */
    | { readonly kind: 'drop-connection' }
    /** Never answers. */
    | { readonly kind: 'hang' }
    /** Closes new TCP connections before the TLS handshake. */
    | { readonly kind: 'tls-failure' }
  );

export type TerminalFault = Exclude<Fault, { kind: 'latency' } | { kind: 'tls-failure' }>;

export interface FaultDecision {
  delayMs: number;
  fault: TerminalFault | undefined;
}

const FAULT_KINDS = new Set([
  'answer',
  'latency',
  'goaway',
  'reset',
  'drop-connection',
  'hang',
  'tls-failure',
]);

interface ActiveFault {
  readonly fault: Fault;
  seen: number;
  applied: number;
}

/** Checks a fault list read from JSON (control API). Throws with a message naming the bad entry. */
export function parseFaults(input: unknown): Fault[] {
  const list = Array.isArray(input) ? input : [input];
  return list.map((item, index) => {
    if (
      typeof item !== 'object' ||
      item === null ||
      !FAULT_KINDS.has((item as { kind?: string }).kind ?? '')
    ) {
      throw new Error(`fault ${index}: kind must be one of ${[...FAULT_KINDS].join(', ')}`);
    }
    const fault = item as Fault;
    if (fault.kind === 'answer' && (typeof fault.status !== 'number' || typeof fault.reason !== 'string')) {
      throw new Error(`fault ${index}: an answer fault needs a numeric status and a reason`);
    }
    if (fault.kind === 'latency' && typeof fault.ms !== 'number')
      throw new Error(`fault ${index}: latency needs ms`);
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

  /** For one request: the extra delay, and the first terminal fault that fires. */
  decide(): FaultDecision {
    const decision: FaultDecision = { delayMs: 0, fault: undefined };
    for (const entry of this.active) {
      const { fault } = entry;
      if (fault.kind === 'tls-failure') continue;
      const shadowed = fault.kind !== 'latency' && decision.fault !== undefined;
      if (!this.fires(entry, shadowed)) continue;
      if (fault.kind === 'latency') decision.delayMs += fault.ms + Math.random() * (fault.jitterMs ?? 0);
      else decision.fault = fault;
    }
    this.prune();
    return decision;
  }

  /** For one new TCP connection: whether to close it before the TLS handshake. */
  failConnection(): boolean {
    let fail = false;
    for (const entry of this.active) {
      if (entry.fault.kind === 'tls-failure' && this.fires(entry, fail)) fail = true;
    }
    this.prune();
    return fail;
  }

  /** Counts the request; true when the fault applies to it (never when another fault already took it). */
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

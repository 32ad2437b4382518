import type { ApnsOutcome, ApnsRequest, ApnsTransport } from '../../shared/adapters/apns/apns-transport';
import type { ApnsCredential } from '../../shared/domain/apns-credential';

/** An answer as a test writes it; the fake fills in apnsId and latency. */
export type FakeAnswer =
  | { readonly kind: 'accepted' }
  | {
      readonly kind: 'rejected';
      readonly status: number;
      readonly reason: string;
      readonly timestamp?: number;
    }
  | {
      readonly kind: 'transport-error';
      readonly error: TransportError;
      readonly maybeDelivered: boolean;
    };

type TransportError = 'timeout' | 'reset' | 'goaway' | 'connect' | 'tls' | 'closed';

export const ok = (): FakeAnswer => ({ kind: 'accepted' });
export const reject = (status: number, reason: string, timestamp?: number): FakeAnswer => ({
  kind: 'rejected',
  status,
  reason,
  ...(timestamp === undefined ? {} : { timestamp }),
});
/**
 * A transport failure. `maybeDelivered` as the real client reports it by default: a reset, timeout or
 * dropped connection may have reached APNs; connect, TLS and GOAWAY-refused streams did not (a
 * REFUSED_STREAM reset is `transport('reset', false)`).
 */
export const transport = (
  error: TransportError = 'reset',
  maybeDelivered = error === 'reset' || error === 'timeout' || error === 'closed',
): FakeAnswer => ({ kind: 'transport-error', error, maybeDelivered });

export interface SentPush {
  readonly credential: ApnsCredential;
  readonly request: ApnsRequest;
}

/**
 * ApnsTransport double: records every request, answers from per-token scripts (the last answer repeats;
 * 200 when none), or from `respond` when set. Tracks how many sends are in flight.
 */
export class FakeApnsTransport implements ApnsTransport {
  readonly sent: SentPush[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Real ms each send takes (lets concurrency build up). */
  delayMs = 0;
  latencyMs = 7;
  respond?: (request: ApnsRequest, credential: ApnsCredential) => FakeAnswer | undefined;
  private readonly scripts = new Map<string, FakeAnswer[]>();
  daysLeft?: number;

  /** Answers for the sends to one token, in order. */
  script(token: string, ...answers: FakeAnswer[]): this {
    this.scripts.set(token, [...answers]);
    return this;
  }

  sentTo(token: string): ApnsRequest[] {
    return this.sent.filter((s) => s.request.token === token).map((s) => s.request);
  }

  async send(credential: ApnsCredential, request: ApnsRequest): Promise<ApnsOutcome> {
    this.sent.push({ credential, request });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const answer = this.respond?.(request, credential) ?? this.next(request.token);
      const common = { apnsId: request.apnsId, latencyMs: this.latencyMs };
      switch (answer.kind) {
        case 'accepted':
          return { kind: 'accepted', status: 200, ...common };
        case 'rejected':
          return { ...answer, ...common };
        case 'transport-error':
          return { ...answer, message: `fake ${answer.error}`, ...common };
      }
    } finally {
      this.inFlight -= 1;
    }
  }

  certificateDaysLeft(credential: ApnsCredential): number | undefined {
    return credential.auth === 'certificate' ? this.daysLeft : undefined;
  }

  async close(): Promise<void> {}

  private next(token: string): FakeAnswer {
    const script = this.scripts.get(token);
    if (!script || script.length === 0) return ok();
    return (script.length > 1 ? script.shift() : script[0]) as FakeAnswer;
  }
}

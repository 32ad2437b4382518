import type { OutgoingHttpHeaders } from 'node:http2';
import type { ApnsConnection } from './apns-connection';
import { Exchange } from './apns-connection';
import type { ApnsOutcome, ApnsRequest } from './apns-transport';
import { answerOutcome, type TransportErrorKind, transportOutcome } from './apns-transport';
import type { CredentialMaterial } from './credential-material';
import type { ProviderTokenSigner } from './provider-token';

/** What the client keeps per credential content: its signer, its connections by target, its expiry. */
export interface CredentialEntry extends CredentialMaterial {
  readonly signer: ProviderTokenSigner | undefined;
  readonly connections: Map<string, ApnsConnection>;
  notAfter: number | undefined;
}

/** The client side a retry needs. */
export interface ExchangeRouter {
  submit(exchange: PushExchange): void;
  /** Retires the connection that carried `exchange` so the next request opens a new one. */
  replaceConnection(exchange: PushExchange): void;
}

/** One attempt of one push; a 403 that a new token or connection can cure is retried once. */
export class PushExchange extends Exchange {
  readonly payload: string;

  constructor(
    private readonly router: ExchangeRouter,
    readonly entry: CredentialEntry,
    readonly request: ApnsRequest,
    readonly headers: OutgoingHttpHeaders,
    private readonly resolve: (outcome: ApnsOutcome) => void,
    /** performance.now() when send() was called: latency covers a retry too. */
    readonly startedAt: number,
    readonly isRetry: boolean,
  ) {
    super();
    this.payload = request.payload;
  }

  protected answered(status: number, apnsId: string | undefined, body: string): void {
    const latency = performance.now() - this.startedAt;
    const outcome = answerOutcome(status, apnsId ?? this.request.apnsId, body, latency);
    if (status === 403 && !this.isRetry && outcome.kind === 'rejected' && this.retried(outcome.reason))
      return;
    this.resolve(outcome);
  }

  protected failed(error: TransportErrorKind, message: string, maybeDelivered: boolean): void {
    const latency = performance.now() - this.startedAt;
    this.resolve(transportOutcome(error, message, this.request.apnsId, latency, maybeDelivered));
  }

  /** ExpiredProviderToken: retry with a renewed JWT; UnrelatedKeyIdInToken: retry on a new connection. */
  private retried(reason: string): boolean {
    let headers = this.headers;
    if (reason === 'ExpiredProviderToken' && this.entry.signer !== undefined) {
      const renewed = this.entry.signer.renewAfterExpired(String(this.headers.authorization));
      if (renewed === undefined) return false;
      headers = { ...this.headers, authorization: renewed };
    } else if (reason === 'UnrelatedKeyIdInToken') {
      this.router.replaceConnection(this);
    } else {
      return false;
    }
    const { router, entry, request, resolve, startedAt } = this;
    router.submit(new PushExchange(router, entry, request, headers, resolve, startedAt, true));
    return true;
  }
}

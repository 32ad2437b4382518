import type { ApnsCredential, ApnsEnvironment } from '../domain/apns-credential';

/** One push request, already decided by the use case: the transport only carries it. */
export interface PushRequest {
  /** Device token, lower-case hex, any even length. */
  readonly token: string;
  /** Picks the APNs host (sandbox or production) unless the client has an endpoint override. */
  readonly environment: ApnsEnvironment;
  readonly pushType: 'voip' | 'alert';
  /** `<bundleId>.voip` for VoIP pushes, `<bundleId>` for alerts. */
  readonly topic: string;
  readonly priority: 5 | 10;
  /** apns-expiration, epoch seconds (0 = one attempt only). */
  readonly expiration: number;
  /** apns-id, a lower-case UUID. */
  readonly apnsId: string;
  readonly collapseId?: string;
  /** The JSON payload, serialized. */
  readonly payload: string;
}

export type PushOutcome =
  | { readonly kind: 'accepted'; readonly status: 200; readonly apnsId: string; readonly latencyMs: number }
  | {
      readonly kind: 'rejected';
      readonly status: number;
      /** APNs' reason, e.g. BadDeviceToken; 'Unknown' when the body had none. */
      readonly reason: string;
      /** With 410: ms since epoch when APNs learnt the token was invalid. */
      readonly timestamp?: number;
      readonly apnsId: string;
      readonly latencyMs: number;
    }
  | {
      readonly kind: 'transport-error';
      readonly error: 'timeout' | 'reset' | 'goaway' | 'connect' | 'tls' | 'closed';
      readonly message: string;
      readonly apnsId: string;
      readonly latencyMs: number;
      /** True when the request may have reached APNs (so a retry could ring twice). */
      readonly maybeDelivered: boolean;
    };

/** Port to APNs: sends one push with the given credential; never throws for APNs or network failures. */
export interface ApnsSender {
  send(credential: ApnsCredential, request: PushRequest): Promise<PushOutcome>;
  /** Days until the certificate of a certificate credential expires; undefined for token auth. */
  certificateDaysLeft(credential: ApnsCredential, now?: Date): number | undefined;
  close(): Promise<void>;
}

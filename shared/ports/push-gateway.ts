import type { ApnsEnvironment } from '../domain/apns-credential';
import type { CallEvent } from '../domain/call-event';
import type { Device, Platform, PushKind } from '../domain/device';
import type { PushCredential } from './credential-provider';

/**
 * The push-gateway port: how the fan-out use case reaches one push platform. One adapter per platform
 * (APNs: `shared/adapters/apns/apns-gateway.ts`) builds that platform's message, sends it and reads the
 * platform's answer into a platform-neutral `PushAnswer`. The use case owns what is common to every
 * platform: which devices, the delivery state, when to retry (only while the call rings), pruning, the
 * log line and the metrics. Adding a platform is adding one adapter and its entry in `PushGateways`.
 */
export interface PushGateway {
  readonly platform: Platform;
  /**
   * Builds this platform's message for one call, once, for all of the call's devices on the platform.
   * A call whose message cannot fit the platform's limit is rejected whole (never truncated).
   */
  prepare(call: PushCall): PrepareResult;
}

/** The gateway of every platform: the fan-out picks each device's by `platformOf(device)`. */
export type PushGateways = Readonly<Record<Platform, PushGateway>>;

/** One call as the gateways build their messages from it. */
export interface PushCall {
  readonly event: CallEvent;
  readonly kind: PushKind;
  /**
   * ms since epoch after which the push is worthless: the end of the ring window for an incoming call,
   * the end of the alert's lifetime for a missed call (APNs: `apns-expiration`).
   */
  readonly expiresAtMs: number;
}

export type PrepareResult =
  | { readonly ok: true; readonly push: PreparedPush }
  /** `detail` names the size and the limit, e.g. `voip payload 5300 > 5120 bytes`. */
  | { readonly ok: false; readonly reason: 'payload_too_large'; readonly detail: string };

/** One platform's message of one call, ready to go to each of its devices. */
export interface PreparedPush {
  /** The device's token this push goes to; undefined when the device has none (`no_token`). */
  tokenOf(device: Device): string | undefined;
  /** Sends one attempt to one device. Never throws for the platform's or the network's failures. */
  send(target: PushTarget): Promise<PushAnswer>;
}

export interface PushTarget {
  readonly device: Device;
  /** From `tokenOf(device)`. */
  readonly token: string;
  readonly credential: PushCredential;
  /**
   * Send to the platform's alternate route, after a `try_alternate` decision. APNs: the host of the
   * other environment than the device registered (a sandbox token sent to production, or back).
   */
  readonly alternate: boolean;
}

/** What one attempt came to, in the platform's words (for the log line) and as a neutral decision. */
export interface PushAnswer {
  readonly decision: PushDecision;
  /** The platform's id of this attempt, logged and recorded as `apnsId`: APNs' apns-id. */
  readonly pushId: string;
  /** APNs: the environment whose host answered (it differs from the device's after `try_alternate`). */
  readonly environment?: ApnsEnvironment;
  /** The platform's HTTP status; absent when no answer came. */
  readonly statusCode?: number;
  /** The platform's rejection reason (`BadDeviceToken`), or the transport failure (`reset`, `timeout`). */
  readonly reason?: string;
  /**
   * Set when no answer came (a transport failure): `not_delivered` when the platform certainly did not
   * take the push (never written, refused stream, a stream above GOAWAY's last-stream-id, connect or TLS
   * failure), `maybe_delivered` when it may have (reset, dropped connection or timeout after sending).
   */
  readonly delivery?: TransportDelivery;
  /** ms from sending to the answer (or the failure). */
  readonly latencyMs: number;
}

export type TransportDelivery = 'not_delivered' | 'maybe_delivered';

/**
 * Why someone should look at a failure: `credential` is the platform refusing the credential (counted as
 * the credential-error metric, which is alarmed); `misconfigured` an app or token that does not match
 * its credential or topic, and `sender_bug` a request the platform calls malformed (both logged as
 * warnings).
 */
export type AlarmClass = 'credential' | 'misconfigured' | 'sender_bug';

/** What the use case does next with one device after one answer. */
export type PushDecision =
  /** The platform took the push. */
  | { readonly kind: 'accepted' }
  /** The token is dead: remove it unless it was registered again at or after `registeredBefore`; no retry. */
  | { readonly kind: 'prune'; readonly reason: string; readonly registeredBefore?: Date }
  /** The token may belong to the platform's alternate route: send once there, then prune if it says the same. */
  | { readonly kind: 'try_alternate'; readonly reason: string }
  /** A terminal failure; never retried. */
  | { readonly kind: 'fail'; readonly reason: string; readonly alarm?: AlarmClass }
  /** The credential was refused: read it again from its source and resend once if it changed. */
  | { readonly kind: 'refresh_credential'; readonly reason: string }
  /**
   * Transient: send again after a backoff (or after `retryAfterMs` when the platform said so), only while
   * the call still rings; after a `maybe_delivered` failure, a VoIP push only if ambiguous retries are on.
   */
  | {
      readonly kind: 'retry';
      readonly reason: string;
      readonly retryAfterMs?: number;
      readonly alarm?: AlarmClass;
    };

import type { ApnsEnvironment } from '../domain/apns-credential';

/**
 * One item per (call, device) in the deliveries table: `pk = CALL#<callId>`, `sk = DEVICE#<deviceId>`,
 * TTL attribute `expiresAt` (epoch seconds, now + DELIVERY_TTL_DAYS, default 7). Written by the sender:
 * a lease (`sending`) before the push, then the APNs answer. The receipts API (issue 8) reads it by
 * (callId, deviceId) and adds `receivedAt` / `reportedAt`; keep this shape stable.
 *
 * | attribute     | type                     | written by | meaning |
 * |---------------|--------------------------|------------|---------|
 * | pk, sk        | string                   | claim      | `CALL#<callId>`, `DEVICE#<deviceId>` |
 * | callId        | string                   | claim      | |
 * | deviceId      | string                   | claim      | |
 * | status        | DeliveryStatus           | both       | `sending` while leased, then the result |
 * | leaseId       | string                   | claim      | who holds (or last held) the lease |
 * | leaseUntil    | number (epoch ms)        | claim      | the lease is free after this moment |
 * | claims        | number                   | claim      | how many attempts claimed it (1 normally) |
 * | claimedAt     | string (ISO, server)     | claim      | start of the latest lease |
 * | expiresAt     | number (epoch s)         | both       | DynamoDB TTL |
 * | userId        | string                   | complete   | owner of the device when sent |
 * | bundleId      | string                   | complete   | |
 * | environment   | sandbox \| production     | complete   | the host that answered (differs from the device's after environment_mismatch) |
 * | pushType      | voip \| alert             | complete   | |
 * | apnsId        | string (lower-case UUID) | complete   | apns-id of the last request |
 * | statusCode    | number                   | complete   | APNs' HTTP status (absent after a transport error) |
 * | reason        | string                   | complete   | APNs' reason or ours (see DeviceOutcome.reason) |
 * | acceptedAt    | string (ISO, server)     | complete   | when APNs answered 200 (status accepted only) |
 * | completedAt   | string (ISO, server)     | complete   | |
 * | createdAt     | string (ISO)             | complete   | the call event's createdAt |
 * | receivedAt    | string (ISO, server)     | receipts   | first `received` receipt |
 * | reportedAt    | string (ISO, server)     | receipts   | first `reported` receipt |
 */
export type DeliveryStatus = 'sending' | 'accepted' | 'failed' | 'pruned';

export interface DeliveryRecord {
  readonly callId: string;
  readonly deviceId: string;
  readonly status: DeliveryStatus;
  readonly leaseId: string;
  readonly leaseUntil: number;
  readonly claims: number;
  readonly claimedAt?: string;
  readonly expiresAt: number;
  readonly userId?: string;
  readonly bundleId?: string;
  readonly environment?: ApnsEnvironment;
  readonly pushType?: 'voip' | 'alert';
  readonly apnsId?: string;
  readonly statusCode?: number;
  readonly reason?: string;
  readonly acceptedAt?: string;
  readonly completedAt?: string;
  readonly createdAt?: string;
  readonly receivedAt?: string;
  readonly reportedAt?: string;
}

export type ClaimResult =
  /** This attempt owns the (call, device) until the lease ends: send, then `complete`. */
  | { readonly kind: 'claimed'; readonly leaseId: string }
  /** APNs already accepted this push: do not send again. */
  | { readonly kind: 'already_accepted'; readonly record: DeliveryRecord }
  /** Another worker is sending it right now (a concurrent duplicate delivery): retry later, do not send. */
  | { readonly kind: 'leased'; readonly leaseUntil: number };

export interface DeliveryCompletion {
  /** The lease returned by `claim`; the write is skipped when another worker has taken the lease since. */
  readonly leaseId: string;
  readonly status: Exclude<DeliveryStatus, 'sending'>;
  readonly userId: string;
  readonly bundleId: string;
  readonly environment: ApnsEnvironment;
  readonly pushType: 'voip' | 'alert';
  readonly apnsId?: string;
  readonly statusCode?: number;
  readonly reason?: string;
  /** ISO, server clock; only for `accepted`. */
  readonly acceptedAt?: string;
  /** The call event's createdAt (ISO). */
  readonly createdAt: string;
}

export interface DeliveryStore {
  /**
   * Takes the (call, device) for `leaseMs`: succeeds when there is no record, when the last attempt ended
   * without APNs accepting (failed / pruned), or when an earlier lease ran out (a worker died mid-send).
   */
  claim(callId: string, deviceId: string, leaseMs: number): Promise<ClaimResult>;
  /** Records APNs' answer; false when the lease was lost to another worker (nothing written). */
  complete(callId: string, deviceId: string, completion: DeliveryCompletion): Promise<boolean>;
  get(callId: string, deviceId: string): Promise<DeliveryRecord | undefined>;
}

import type { ApnsEnvironment } from '../domain/apns-credential';
import type { PushKind } from '../domain/device';

/**
 * One item per (call, recipient, device, push type) in the deliveries table:
 * `pk = CALL#<callId>#<shard>` (shard: one hex digit of the recipient's hash, so one call's records
 * spread over 16 partitions), `sk = <VOIP|ALERT>#DEVICE#<deviceId>#USER#<userId>` (built only by
 * `deliveryKey` in adapters/dynamodb/delivery-key.ts), TTL attribute `expiresAt` (epoch seconds, now +
 * DELIVERY_TTL_DAYS, default 7). The user is part of the key because a deviceId is unique only within
 * its user (two recipients may both have a device `phone`); the push type is part of it because a
 * `missed_call` reuses its `incoming_call`'s callId, and its alert must not be taken for a duplicate of
 * the VoIP push. Written by the sender once per push, with the answer (`record`): before the push it
 * only reads it, so a redelivery skips devices already accepted. In strict mode
 * (RETRY_AMBIGUOUS_PUSHES=false) it takes a lease (`sending`, `claim`) before the push and writes the
 * answer under it (`complete`): at most one push accepted per device even under concurrent deliveries. The
 * receipts API reads it by (callId, caller, deviceId, `voip`) and adds `receivedAt` /
 * `reportedAt`; keep this shape stable.
 *
 * | attribute     | type                     | written by | meaning |
 * |---------------|--------------------------|------------|---------|
 * | pk, sk        | string                   | claim      | `CALL#<callId>#<shard>`, `<VOIP\|ALERT>#DEVICE#<deviceId>#USER#<userId>` |
 * | callId        | string                   | claim      | |
 * | userId        | string                   | claim      | owner of the device when sent (the recipient) |
 * | deviceId      | string                   | claim      | |
 * | pushType      | voip \| alert             | claim      | |
 * | status        | DeliveryStatus           | both       | `sending` while leased, then the result |
 * | leaseId       | string                   | claim      | who holds (or last held) the lease (strict mode) |
 * | leaseUntil    | number (epoch ms)        | claim      | the lease is free after this moment |
 * | claims        | number                   | both       | how many attempts claimed or recorded it (1 normally) |
 * | claimedAt     | string (ISO, server)     | claim      | start of the latest lease |
 * | expiresAt     | number (epoch s)         | both       | DynamoDB TTL |
 * | bundleId      | string                   | complete   | |
 * | environment   | sandbox \| production     | complete   | the host that answered (differs from the device's after environment_mismatch) |
 * | apnsId        | string (lower-case UUID) | complete   | apns-id of the last request |
 * | statusCode    | number                   | complete   | APNs' HTTP status (absent after a transport error) |
 * | reason        | string                   | complete   | APNs' reason or ours (see DeviceOutcome.reason) |
 * | acceptedAt    | string (ISO, server)     | complete   | when APNs answered 200 (status accepted only) |
 * | completedAt   | string (ISO, server)     | complete   | |
 * | createdAt     | string (ISO)             | complete   | the call event's createdAt |
 * | receivedAt    | string (ISO, server)     | receipts   | first `received` receipt (VoIP records only) |
 * | reportedAt    | string (ISO, server)     | receipts   | first `reported` receipt (VoIP records only) |
 */
export type DeliveryStatus = 'sending' | 'accepted' | 'failed' | 'pruned';

/** Identifies one delivery record: one push type, to one device of one recipient, for one call. */
export interface DeliveryKey {
  readonly callId: string;
  /** The recipient who owns the device (deviceIds are unique only per user). */
  readonly userId: string;
  readonly deviceId: string;
  readonly pushType: PushKind;
}

export interface DeliveryRecord {
  readonly callId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly pushType: PushKind;
  readonly status: DeliveryStatus;
  /** Strict mode only: the records of the default mode are never leased. */
  readonly leaseId?: string;
  readonly leaseUntil?: number;
  readonly claims: number;
  readonly claimedAt?: string;
  readonly expiresAt: number;
  readonly bundleId?: string;
  readonly environment?: ApnsEnvironment;
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
  /** This attempt owns the record until the lease ends: send, then `complete`. */
  | { readonly kind: 'claimed'; readonly leaseId: string }
  /** APNs already accepted this push: do not send again. */
  | { readonly kind: 'already_accepted'; readonly record: DeliveryRecord }
  /**
   * An earlier attempt ended `failed` with reason `ambiguous_delivery`: APNs may have accepted it, so it
   * is not sent again (at most one accepted push per device per call).
   */
  | { readonly kind: 'already_sent'; readonly record: DeliveryRecord }
  /** Another worker is sending it right now (a concurrent duplicate delivery): retry later, do not send. */
  | { readonly kind: 'leased'; readonly leaseUntil: number };

/** What a push ended with, as `record` writes it (no lease: the default mode). */
export interface DeliveryResultRecord {
  readonly status: Exclude<DeliveryStatus, 'sending'>;
  readonly bundleId: string;
  /** iOS only: the APNs host that answered. */
  readonly environment?: ApnsEnvironment;
  readonly apnsId?: string;
  readonly statusCode?: number;
  readonly reason?: string;
  /** ISO, server clock; only for `accepted`. */
  readonly acceptedAt?: string;
  /** The call event's createdAt (ISO). */
  readonly createdAt: string;
}

/** `DeliveryResultRecord` written under the lease that `claim` returned (strict mode). */
export interface DeliveryCompletion extends DeliveryResultRecord {
  /** The lease returned by `claim`; the write is skipped when another worker has taken the lease since. */
  readonly leaseId: string;
}

export interface DeliveryStore {
  /**
   * Takes the record of `key` for `leaseMs` (writing the key's fields on it): succeeds when there is no
   * record, when the last attempt ended without APNs accepting (failed / pruned, but not failed with
   * reason `ambiguous_delivery`), or when an earlier lease ran out (a worker died mid-send).
   */
  claim(key: DeliveryKey, leaseMs: number): Promise<ClaimResult>;
  /** Records APNs' answer; false when the lease was lost to another worker (nothing written). */
  complete(key: DeliveryKey, completion: DeliveryCompletion): Promise<boolean>;
  /**
   * Records a push's answer without a lease (one write, the default mode's only one): false, with
   * nothing written, when the record already says accepted (a concurrent delivery got there first, and
   * its acceptance and receipts stay) or is leased by a strict-mode worker.
   */
  record(key: DeliveryKey, result: DeliveryResultRecord): Promise<boolean>;
  /** The record as last written (a strongly consistent read). */
  get(key: DeliveryKey): Promise<DeliveryRecord | undefined>;
  /**
   * Every record of one call and push kind for these recipients, as last written (strongly
   * consistent): what the default mode reads once per call event before its pushes, instead of one
   * read per device.
   */
  readCall(callId: string, pushType: PushKind, recipients: readonly string[]): Promise<DeliveryRecord[]>;
  /** Recipients of one call with the same group are stored together: one `readCall` reads them at once. */
  readGroup(userId: string): string;
}

import type { ApnsEnvironment } from '../domain/apns-credential';
import type { PushKind } from '../domain/device';

/**
 * The deliveries table holds, per call, partition `pk = CALL#<callId>#<shard>` (shard: one hex digit of
 * the recipient's hash, so one call spreads over 16 partitions; keys are built only in
 * adapters/dynamodb/delivery-key.ts), TTL attribute `expiresAt` (epoch seconds, now + DELIVERY_TTL_DAYS,
 * default 7), three kinds of item (docs/data-model.md, ADR 0013):
 *
 * - **batch** `<VOIP|ALERT>#BATCH#<uuid>`: the default mode's only write, once per batch of pushes of one
 *   shard, after they ended (`recordBatch`): the results of up to `recordBatchSize` devices. Never
 *   updated: a redelivery writes a batch of its own, and a read merges them (an acceptance wins).
 * - **device record** `<VOIP|ALERT>#DEVICE#<deviceId>#USER#<userId>`: strict mode
 *   (RETRY_AMBIGUOUS_PUSHES=false) takes a lease on it before the push (`claim`, status `sending`) and
 *   writes the answer under it (`complete`): at most one accepted push per device. Earlier versions of
 *   the default mode wrote it too; it is still read.
 * - **receipts** `RECEIPT#DEVICE#<deviceId>#USER#<userId>`: the receipts API's (ports/receipt-store.ts).
 *
 * The user is part of a delivery's identity because a deviceId is unique only within its user; the push
 * type because a `missed_call` reuses its `incoming_call`'s callId, and its alert must not be taken for a
 * duplicate of the VoIP push. `readCall` and `get` give every kind as one `DeliveryRecord` per (call,
 * recipient, device, push type):
 *
 * | field         | type                     | meaning |
 * |---------------|--------------------------|---------|
 * | callId, userId, deviceId, pushType | string | the delivery (userId: the device's owner when sent) |
 * | status        | DeliveryStatus           | `sending` while leased (strict), then the result |
 * | leaseId, leaseUntil, claimedAt | string, epoch ms, ISO | strict mode's lease |
 * | claims        | number                   | attempts that claimed or recorded it (1 normally) |
 * | expiresAt     | number (epoch s)         | DynamoDB TTL |
 * | bundleId      | string                   | |
 * | environment   | sandbox \| production     | the host that answered (differs from the device's after environment_mismatch) |
 * | apnsId        | string                   | the platform's id of the last request (apns-id; FCM's message name) |
 * | statusCode    | number                   | the platform's HTTP status (absent after a transport error) |
 * | reason        | string                   | the platform's reason or ours (see DeviceOutcome.reason) |
 * | acceptedAt    | string (ISO, server)     | when the platform answered 200 (status accepted only) |
 * | completedAt   | string (ISO, server)     | when the result was written |
 * | createdAt     | string (ISO)             | the call event's createdAt |
 * | receivedAt    | string (ISO, server)     | first `received` receipt (VoIP only; from the receipts item) |
 * | reportedAt    | string (ISO, server)     | first `reported` receipt (VoIP only; from the receipts item) |
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

/** One device's result in a batch. */
export interface DeliveryBatchEntry extends DeliveryResultRecord {
  readonly userId: string;
  readonly deviceId: string;
}

/** Results of pushes of one call and push type to recipients of one read group, written together. */
export interface DeliveryBatch {
  readonly callId: string;
  readonly pushType: PushKind;
  /** `readGroup` of every entry's userId. */
  readonly group: string;
  readonly entries: readonly DeliveryBatchEntry[];
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
   * Writes the results of one batch of pushes, all of recipients in read group `batch.group`, as one
   * new item (the default mode's only write): one write unit per KB, whatever the number of devices.
   * Nothing is overwritten; reads merge it with what is there (an acceptance is never hidden by a later
   * failure).
   */
  recordBatch(batch: DeliveryBatch): Promise<void>;
  /** The delivery as last written, all kinds of item merged, receipts included (strongly consistent). */
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

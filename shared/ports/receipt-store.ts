import type { ReceiptStage } from '../domain/receipt';
import type { DeliveryRecord } from './delivery-store';

/** The delivery record's attribute that holds a stage's first arrival (server clock, ISO). */
export const STAGE_ATTRIBUTE = { received: 'receivedAt', reported: 'reportedAt' } as const satisfies Record<
  ReceiptStage,
  keyof DeliveryRecord
>;

export interface ReceiptWriteInput {
  readonly callId: string;
  readonly deviceId: string;
  /**
   * The caller: the record looked up is this user's (its key names the recipient, since deviceIds are
   * unique only per user), and it must also name this user as the device's owner when the push was sent.
   */
  readonly userId: string;
  readonly stage: ReceiptStage;
  /** ISO, server clock: when the receipt arrived. */
  readonly at: string;
}

export type ReceiptWrite =
  /** The stage's timestamp was written now; `previous` is the record as it was just before. */
  | { readonly kind: 'recorded'; readonly previous: DeliveryRecord }
  /**
   * Nothing written: no record, APNs never accepted it, another owner, or the stage was already
   * recorded. `current` is the record as read after the refused write (undefined when there is none).
   */
  | { readonly kind: 'not_recorded'; readonly current: DeliveryRecord | undefined };

/**
 * Receipts on the deliveries table (record shape in ports/delivery-store.ts), on the record of the VoIP
 * push only: key `{ callId, userId: caller, deviceId, pushType: 'voip' }` (a missed call's alert push has
 * its own record and never gets receipts). The store never creates a record and never touches its TTL:
 * a receipt lives and expires with the sender's delivery record.
 */
export interface ReceiptStore {
  /**
   * Sets `receivedAt` / `reportedAt` to `at` once, atomically, and only on a record that APNs accepted
   * for a push to `userId`'s device. A repeat keeps the first value.
   */
  recordStage(input: ReceiptWriteInput): Promise<ReceiptWrite>;
}

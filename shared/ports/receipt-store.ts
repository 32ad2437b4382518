import type { ReceiptStage } from '../domain/receipt';
import type { DeliveryRecord } from './delivery-store';

/** The delivery record's attribute that holds a stage's first arrival (server clock, ISO). */
export const STAGE_ATTRIBUTE = { received: 'receivedAt', reported: 'reportedAt' } as const satisfies Record<
  ReceiptStage,
  keyof DeliveryRecord
>;

/** A delivery a receipt may land on: the platform accepted the push, to this user's device. */
export type ReceiptTarget = DeliveryRecord & { readonly acceptedAt: string; readonly createdAt: string };

export function isReceiptTarget(record: DeliveryRecord | undefined, userId: string): record is ReceiptTarget {
  return (
    record?.status === 'accepted' &&
    typeof record.acceptedAt === 'string' &&
    typeof record.createdAt === 'string' &&
    record.userId === userId
  );
}

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
 * Receipts of the VoIP push only (a missed call's alert push never gets receipts), of the delivery
 * `{ callId, userId: caller, deviceId, pushType: 'voip' }`, kept in an item of their own beside the
 * sender's (`RECEIPT#DEVICE#<deviceId>#USER#<userId>`, ports/delivery-store.ts) that expires with the
 * delivery. A receipt is recorded only once the sender has written the delivery as accepted.
 */
export interface ReceiptStore {
  /**
   * Sets `receivedAt` / `reportedAt` to `at` once, atomically, and only for a delivery the platform
   * accepted to `userId`'s device. A repeat keeps the first value.
   */
  recordStage(input: ReceiptWriteInput): Promise<ReceiptWrite>;
}

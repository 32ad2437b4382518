import { z } from 'zod';
import { deviceIdSchema } from './device-rules';

/** How far a call's VoIP push got on the phone: it reached the app, then CallKit accepted the report. */
export const RECEIPT_STAGES = ['received', 'reported'] as const;

/**
 * Body of `POST /v1/calls/{callId}/receipts` (docs/contracts.md). `apnsId` is the apns-id of the push when
 * the app knows it. Unknown fields are rejected, as for the device body. The OpenAPI document is
 * generated from this schema.
 */
export const receiptBodySchema = z
  .object({
    deviceId: deviceIdSchema,
    apnsId: z.string().uuid().optional(),
    stage: z.enum(RECEIPT_STAGES),
  })
  .strict();

export type ReceiptBody = z.output<typeof receiptBodySchema>;
export type ReceiptStage = ReceiptBody['stage'];

import { z } from 'zod';

/** The error body of every API answer (docs/contracts.md, registration API): `{ "error": { "code", "message", "details"? } }`. */
export const API_ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'not_found',
  'payload_too_large',
  'unsupported_media_type',
  'throttled',
  'internal_error',
] as const;

export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const apiErrorBodySchema = z.object({
  error: z.object({
    code: z.enum(API_ERROR_CODES),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), problem: z.string() })).optional(),
  }),
});

export type ApiErrorBody = z.output<typeof apiErrorBodySchema>;

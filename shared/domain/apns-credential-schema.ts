import type { ApnsCredential } from './apns-credential';
import * as z from './zod-mini';

const bundleId = z.string().check(z.minLength(1), z.maxLength(155), z.regex(/^[A-Za-z0-9.-]+$/));
const pem = (label: RegExp) => z.string().check(z.regex(label));
const PRIVATE_KEY = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/**
 * The APNs credential secret (docs/contracts.md, push credentials): token auth (.p8), PEM certificate, or PKCS#12.
 * `zod/mini` (same rules and issue codes as classic zod): the sender parses its credential with it.
 */
export const apnsCredentialSchema = z.union([
  z.object({
    bundleId,
    auth: z.literal('token'),
    teamId: z.string().check(z.regex(/^[A-Z0-9]{10}$/)),
    keyId: z.string().check(z.regex(/^[A-Z0-9]{10}$/)),
    signingKey: pem(PRIVATE_KEY),
  }),
  z.object({
    bundleId,
    auth: z.literal('certificate'),
    certificate: pem(/-----BEGIN CERTIFICATE-----/),
    privateKey: pem(PRIVATE_KEY),
    passphrase: z.optional(z.string()),
  }),
  z.object({
    bundleId,
    auth: z.literal('certificate'),
    pkcs12: z.string().check(z.minLength(1), z.regex(/^[A-Za-z0-9+/=\s]+$/)),
    passphrase: z.optional(z.string()),
  }),
]);

export type ParseCredentialResult =
  | { readonly ok: true; readonly credential: ApnsCredential }
  /** Field paths and issue codes only: a credential's values are secret, even in error messages. */
  | { readonly ok: false; readonly problems: readonly string[] };

/** Parses a secret string; never echoes any part of it. */
export function parseApnsCredential(raw: unknown): ParseCredentialResult {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, problems: ['not JSON'] };
    }
  }
  const parsed = apnsCredentialSchema.safeParse(value);
  if (parsed.success) return { ok: true, credential: parsed.data };
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`);
  return { ok: false, problems };
}

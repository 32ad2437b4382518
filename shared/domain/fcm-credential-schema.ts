import { createPrivateKey } from 'node:crypto';
import type { FcmCredential } from './fcm-credential';
import * as z from './zod-mini';

const PRIVATE_KEY = /-----BEGIN (?:RSA )?PRIVATE KEY-----/;
const MAX_KEY_CHARS = 16_384;

/** The key parses and is RSA (RS256); the check never puts any part of the key into its issue. */
function isRsaPrivateKey(pem: string): boolean {
  if (pem.length > MAX_KEY_CHARS) return false;
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * The service-account JSON of the Firebase console. Unknown fields (`client_id`, `auth_uri`,
 * `universe_domain`, ...) are accepted and dropped. `project_id` goes into the request path, so it is
 * held to the characters Google project ids use.
 */
const serviceAccountSchema = z.object({
  type: z.literal('service_account'),
  project_id: z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9._:-]+$/)),
  private_key_id: z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9_-]+$/)),
  private_key: z
    .string()
    .check(
      z.maxLength(MAX_KEY_CHARS),
      z.regex(PRIVATE_KEY),
      z.refine(isRsaPrivateKey, { message: 'not a readable RSA private key' }),
    ),
  client_email: z.string().check(z.maxLength(254), z.regex(/^[^@\s]+@[^@\s]+$/)),
  token_uri: z
    .string()
    .check(z.maxLength(2048), z.refine(isHttpsUrl, { message: 'must be an https:// URL' })),
});

/**
 * The FCM credential secret (`auth: "fcm"`). `zod/mini` like the APNs credential (ADR 0004): the
 * sender parses it on its runtime path.
 */
export const fcmCredentialSchema = z.object({
  bundleId: z.string().check(z.minLength(1), z.maxLength(255), z.regex(/^[A-Za-z0-9._-]+$/)),
  auth: z.literal('fcm'),
  serviceAccount: serviceAccountSchema,
});

export type ParseFcmCredentialResult =
  | { readonly ok: true; readonly credential: FcmCredential }
  /**
   * `<field path>: <issue code>` (our own message for the checks written here): a credential's values are
   * secret, so no problem quotes any of them.
   */
  | { readonly ok: false; readonly problems: readonly string[] };

/** Parses a secret string (or the parsed JSON); never echoes any part of it. */
export function parseFcmCredential(raw: unknown): ParseFcmCredentialResult {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, problems: ['not JSON'] };
    }
  }
  const parsed = fcmCredentialSchema.safeParse(value);
  if (parsed.success) return { ok: true, credential: parsed.data };
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(root)'}: ${issue.code === 'custom' ? issue.message : issue.code}`,
  );
  return { ok: false, problems };
}

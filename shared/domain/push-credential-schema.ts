import type { ApnsCredential } from './apns-credential';
import { parseApnsCredential } from './apns-credential-schema';
import type { Platform } from './device';
import type { FcmCredential } from './fcm-credential';
import { parseFcmCredential } from './fcm-credential-schema';

/** Any push credential of docs/contracts.md (push credentials): APNs' or FCM's, told apart by `auth`. */
export type AnyPushCredential = ApnsCredential | FcmCredential;

export type ParsePushCredentialResult =
  | { readonly ok: true; readonly credential: AnyPushCredential }
  /** Field paths and issue codes only (never a value): a credential is secret. */
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Parses one credential (a secret string or parsed JSON): `auth: "fcm"` is an FCM service account,
 * anything else is read as an APNs credential. Never echoes any part of it.
 */
export function parsePushCredential(raw: unknown): ParsePushCredentialResult {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return { ok: false, problems: ['not JSON'] };
    }
  }
  const isFcm = typeof value === 'object' && value !== null && (value as { auth?: unknown }).auth === 'fcm';
  return isFcm ? parseFcmCredential(value) : parseApnsCredential(value);
}

/** The platform a credential pushes to. */
export function credentialPlatform(credential: Pick<AnyPushCredential, 'auth'>): Platform {
  return credential.auth === 'fcm' ? 'android' : 'ios';
}

/** How providers index credentials: an APNs and an FCM credential may share a bundle id. */
export const credentialKey = (bundleId: string, platform: Platform): string => `${platform}:${bundleId}`;

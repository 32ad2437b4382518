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
  if (isBareServiceAccount(value)) return { ok: false, problems: [BARE_SERVICE_ACCOUNT] };
  return looksLikeFcm(value) ? parseFcmCredential(value) : parseApnsCredential(value);
}

const BARE_SERVICE_ACCOUNT =
  '(root): a bare service-account JSON; wrap it as { bundleId, auth: "fcm", serviceAccount }';

type Fields = Record<string, unknown>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The Firebase console's download stored as it is: it names no app. */
const isBareServiceAccount = (value: unknown): boolean =>
  isObject(value) && value.type === 'service_account' && value.auth === undefined;

/**
 * Read as FCM's when it says so or carries a service account, so a wrong `auth` (`"FCM"`, missing) is
 * named as such rather than as a mismatch against every APNs form.
 */
const looksLikeFcm = (value: unknown): boolean =>
  isObject(value) &&
  ((typeof value.auth === 'string' && value.auth.toLowerCase() === 'fcm') || 'serviceAccount' in value);

/** The platform a credential pushes to. */
export function credentialPlatform(credential: Pick<AnyPushCredential, 'auth'>): Platform {
  return credential.auth === 'fcm' ? 'android' : 'ios';
}

/** How providers index credentials: an APNs and an FCM credential may share a bundle id. */
export const credentialKey = (bundleId: string, platform: Platform): string => `${platform}:${bundleId}`;

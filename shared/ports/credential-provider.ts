import type { Platform } from '../domain/device';
import type { AnyPushCredential } from '../domain/push-credential-schema';

/** Error for a credential that could not be read right now (Secrets Manager unreachable): retry later. */
export class CredentialUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialUnavailableError';
  }
}

/**
 * A push platform's credential, as the push gateways take it, told apart by `auth`: APNs' (`token` or
 * `certificate`, for iOS) or FCM's (`fcm`, for Android). An APNs and an FCM credential may name the same
 * bundle id (an app's iOS bundle and Android package often share it).
 */
export type PushCredential = AnyPushCredential;

/**
 * Push credentials by (bundle id, platform) (docs/contracts.md, credentials), cached by the adapter.
 * Adapters return the SAME object for an unchanged credential, so `refresh(b, p) !== get(b, p)` means
 * rotation.
 */
export interface CredentialProvider {
  /** The cached credential of the app on the platform; undefined when none is configured for it. */
  get(bundleId: string, platform: Platform): Promise<PushCredential | undefined>;
  /** Reads the credential again from its source, bypassing the cache (after the platform refused it). */
  refresh(bundleId: string, platform: Platform): Promise<PushCredential | undefined>;
}

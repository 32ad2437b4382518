import type { ApnsCredential } from '../domain/apns-credential';

/** Error for a credential that could not be read right now (Secrets Manager unreachable): retry later. */
export class CredentialUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialUnavailableError';
  }
}

/**
 * APNs credentials by app bundle id (design section 4), cached by the adapter.
 * Adapters return the SAME object for an unchanged credential, so `refresh(b) !== get(b)` means rotation.
 */
export interface CredentialProvider {
  /** The cached credential of the bundle; undefined when no credential is configured for it. */
  get(bundleId: string): Promise<ApnsCredential | undefined>;
  /** Reads the credential again from its source, bypassing the cache (after APNs answered 403). */
  refresh(bundleId: string): Promise<ApnsCredential | undefined>;
}

import type { ApnsCredential } from '../domain/apns-credential';

/** Error for a credential that could not be read right now (Secrets Manager unreachable): retry later. */
export class CredentialUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialUnavailableError';
  }
}

/**
 * A push platform's credential, as the push gateways take it: today APNs' (token or certificate). Another
 * platform's credential joins this union, told apart by its `auth`.
 */
export type PushCredential = ApnsCredential;

/**
 * Push credentials by app bundle id (docs/contracts.md, credentials), cached by the adapter.
 * Adapters return the SAME object for an unchanged credential, so `refresh(b) !== get(b)` means rotation.
 */
export interface CredentialProvider {
  /** The cached credential of the bundle; undefined when no credential is configured for it. */
  get(bundleId: string): Promise<PushCredential | undefined>;
  /** Reads the credential again from its source, bypassing the cache (after the platform refused it). */
  refresh(bundleId: string): Promise<PushCredential | undefined>;
}

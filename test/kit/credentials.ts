import type { TokenCredential } from '../../shared/domain/apns-credential';
import type { CredentialProvider, PushCredential } from '../../shared/ports/credential-provider';

/** An APNs token-auth credential (its key is not a real one: for the fake transport only). */
export function aTokenCredential(
  bundleId = 'com.example.app',
  overrides: Partial<Omit<TokenCredential, 'auth' | 'bundleId'>> = {},
): TokenCredential {
  return {
    bundleId,
    auth: 'token',
    teamId: 'ABCDE12345',
    keyId: 'KEY1234567',
    signingKey: 'pem',
    ...overrides,
  };
}

/**
 * CredentialProvider double over credentials by bundle id. `refresh` counts, and hands out
 * `afterRefresh` (a rotated credential) when one is set.
 */
export class FakeCredentials implements CredentialProvider {
  refreshes = 0;
  readonly current: Map<string, PushCredential>;

  constructor(
    credentials: readonly PushCredential[] = [aTokenCredential()],
    public afterRefresh?: PushCredential,
  ) {
    this.current = new Map(credentials.map((c) => [c.bundleId, c]));
  }

  async get(bundleId: string): Promise<PushCredential | undefined> {
    return this.current.get(bundleId);
  }

  async refresh(bundleId: string): Promise<PushCredential | undefined> {
    this.refreshes += 1;
    if (this.afterRefresh) this.current.set(bundleId, this.afterRefresh);
    return this.current.get(bundleId);
  }
}

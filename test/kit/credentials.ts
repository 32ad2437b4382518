import type { TokenCredential } from '../../shared/domain/apns-credential';
import type { Platform } from '../../shared/domain/device';
import type { FcmCredential } from '../../shared/domain/fcm-credential';
import { credentialKey, credentialPlatform } from '../../shared/domain/push-credential-schema';
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

/** An FCM credential (its key is not a real one: for the fake transport only). */
export function anFcmCredential(bundleId = 'com.example.app', projectId = 'demo-project'): FcmCredential {
  return {
    bundleId,
    auth: 'fcm',
    serviceAccount: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: 'k1',
      private_key: 'pem',
      client_email: `sender@${projectId}.iam.gserviceaccount.com`,
      token_uri: 'https://oauth2.example.test/token',
    },
  };
}

/**
 * CredentialProvider double over credentials by (platform, bundle id). `refresh` counts, and hands out
 * `afterRefresh` (a rotated credential) when one is set.
 */
export class FakeCredentials implements CredentialProvider {
  refreshes = 0;
  readonly current: Map<string, PushCredential>;

  constructor(
    credentials: readonly PushCredential[] = [aTokenCredential()],
    public afterRefresh?: PushCredential,
  ) {
    this.current = new Map(credentials.map((c) => [credentialKey(c.bundleId, credentialPlatform(c)), c]));
  }

  async get(bundleId: string, platform: Platform = 'ios'): Promise<PushCredential | undefined> {
    return this.current.get(credentialKey(bundleId, platform));
  }

  async refresh(bundleId: string, platform: Platform = 'ios'): Promise<PushCredential | undefined> {
    this.refreshes += 1;
    const key = credentialKey(bundleId, platform);
    if (this.afterRefresh && credentialPlatform(this.afterRefresh) === platform)
      this.current.set(key, this.afterRefresh);
    return this.current.get(key);
  }
}

import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { Platform } from '../domain/device';
import {
  type AnyPushCredential,
  credentialKey,
  credentialPlatform,
  parsePushCredential,
} from '../domain/push-credential-schema';
import { EnvDefault } from '../platform/env-names';
import { type CredentialProvider, CredentialUnavailableError } from '../ports/credential-provider';
import type { LogSink } from '../ports/log';
import type { MetricsSink } from '../ports/metrics';
import type { ApnsTransport } from './apns/apns-transport';
import { reportCertificateDaysLeft } from './apns/credential-material';

export interface SecretsCredentialProviderOptions {
  /** Secret ids (ARNs in AWS) from APNS_SECRET_ARNS and FCM_SECRET_ARNS, one per app (APNs or FCM). */
  readonly secretIds: readonly string[];
  /** CREDENTIAL_CACHE_SECONDS. @default 300 */
  readonly maxAgeSeconds?: number;
  readonly log: LogSink;
  /** @default a Powertools SecretsProvider with the default client */
  readonly secrets?: SecretsProvider;
  /** With `apns`: CertificateDaysLeft is emitted for every certificate credential on each (re)load. */
  readonly metrics?: MetricsSink;
  readonly apns?: Pick<ApnsTransport, 'certificateDaysLeft'>;
  /** Forced reloads (after a 403) closer together than this share the last one. @default 5000 */
  readonly minRefreshIntervalMs?: number;
}

interface Entry {
  readonly raw: string;
  readonly credential?: AnyPushCredential;
}

/**
 * Push credentials (APNs and FCM, by their `auth`) from Secrets Manager through Powertools Parameters,
 * cached for `maxAgeSeconds` and indexed by (platform, bundle id). A rotated secret is picked up at
 * expiry or on `refresh` without a redeploy; an unchanged secret keeps its credential object (so the
 * APNs client keeps its connection and the FCM client its access token).
 */
export class SecretsCredentialProvider implements CredentialProvider {
  private readonly secrets: SecretsProvider;
  private readonly maxAgeSeconds: number;
  private readonly minRefreshIntervalMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly unreadable = new Set<string>();
  private byBundle = new Map<string, AnyPushCredential>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private forcedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(private readonly options: SecretsCredentialProviderOptions) {
    this.secrets = options.secrets ?? new SecretsProvider();
    this.maxAgeSeconds = options.maxAgeSeconds ?? EnvDefault.credentialCacheSeconds;
    this.minRefreshIntervalMs = options.minRefreshIntervalMs ?? 5000;
  }

  async get(bundleId: string, platform: Platform = 'ios'): Promise<AnyPushCredential | undefined> {
    if (Date.now() - this.loadedAt >= this.maxAgeSeconds * 1000) await this.load(false);
    return this.lookup(bundleId, platform);
  }

  async refresh(bundleId: string, platform: Platform = 'ios'): Promise<AnyPushCredential | undefined> {
    if (Date.now() - this.forcedAt >= this.minRefreshIntervalMs) {
      this.forcedAt = Date.now();
      await this.load(true);
    } else {
      await this.loading;
    }
    return this.lookup(bundleId, platform);
  }

  private lookup(bundleId: string, platform: Platform): AnyPushCredential | undefined {
    const credential = this.byBundle.get(credentialKey(bundleId, platform));
    if (!credential && this.unreadable.size > 0) {
      throw new CredentialUnavailableError(
        `no credential for ${bundleId} while ${this.unreadable.size} secret(s) are unreadable`,
      );
    }
    return credential;
  }

  /** One load at a time; a forced load waits for a running one, then reads again. */
  private load(force: boolean): Promise<void> {
    if (this.loading && !force) return this.loading;
    const previous = this.loading ?? Promise.resolve();
    const run: Promise<void> = previous
      .then(() => this.loadAll(force))
      .finally(() => {
        if (this.loading === run) this.loading = undefined;
      });
    this.loading = run;
    return run;
  }

  private async loadAll(force: boolean): Promise<void> {
    await Promise.all(this.options.secretIds.map((id) => this.loadOne(id, force)));
    const byBundle = new Map<string, AnyPushCredential>();
    for (const [secretId, entry] of this.entries) {
      const credential = entry.credential;
      if (!credential) continue;
      const platform = credentialPlatform(credential);
      const key = credentialKey(credential.bundleId, platform);
      if (byBundle.has(key)) {
        this.options.log.warn('two credential secrets for one app: the first one is used', {
          secretId,
          bundleId: credential.bundleId,
          platform,
        });
        continue;
      }
      byBundle.set(key, credential);
      const { metrics, apns } = this.options;
      if (metrics && apns && credential.auth !== 'fcm') reportCertificateDaysLeft(metrics, apns, credential);
    }
    this.byBundle = byBundle;
    this.loadedAt = Date.now();
  }

  private async loadOne(secretId: string, forceFetch: boolean): Promise<void> {
    let raw: string;
    try {
      const value = await this.secrets.get(secretId, { maxAge: this.maxAgeSeconds, forceFetch });
      raw = typeof value === 'string' ? value : new TextDecoder().decode(value ?? new Uint8Array());
      this.unreadable.delete(secretId);
    } catch (error) {
      // Keep serving the last good value; without one, lookups say "unavailable", not "no credential".
      this.unreadable.add(secretId);
      this.options.log.error('push credential secret not readable', { secretId, error: causeName(error) });
      return;
    }
    if (this.entries.get(secretId)?.raw === raw) return;
    const parsed = parsePushCredential(raw);
    if (!parsed.ok) {
      this.options.log.error('malformed push credential secret skipped', {
        secretId,
        problems: parsed.problems,
      });
      this.entries.set(secretId, { raw });
      return;
    }
    this.entries.set(secretId, { raw, credential: parsed.credential });
  }
}

/** Powertools wraps SDK errors in GetParameterError; the cause names what went wrong (never the value). */
function causeName(error: unknown): string {
  if (!(error instanceof Error)) return 'Error';
  return error.cause instanceof Error ? error.cause.name : error.name;
}

import { readFile } from 'node:fs/promises';
import type { Platform } from '../domain/device';
import {
  type AnyPushCredential,
  credentialKey,
  credentialPlatform,
  parsePushCredential,
} from '../domain/push-credential-schema';
import { errorName } from '../lib/helpers';
import type { CredentialProvider } from '../ports/credential-provider';
import type { LogSink } from '../ports/log';
import type { MetricsSink } from '../ports/metrics';
import type { ApnsTransport } from './apns/apns-transport';
import { reportCertificateDaysLeft } from './apns/credential-material';

export interface FileCredentialProviderOptions {
  /**
   * APNS_CREDENTIALS_FILE (and FCM_CREDENTIALS_FILE): each file holds one credential (docs/contracts.md,
   * push credentials) or an array of them, APNs or FCM by `auth`. The first of two for one app wins.
   */
  readonly path: string | readonly string[];
  readonly log: LogSink;
  readonly metrics?: MetricsSink;
  readonly apns?: Pick<ApnsTransport, 'certificateDaysLeft'>;
}

type ByApp = Map<string, AnyPushCredential>;

/**
 * Credentials from local JSON files (local runs). Read on first use; `refresh` reads them again, so
 * editing a file stands in for rotating the secret. Malformed entries are logged by index and skipped.
 */
export class FileCredentialProvider implements CredentialProvider {
  private byApp: Promise<ByApp> | undefined;
  private readonly raw = new Map<string, string>();
  private readonly paths: readonly string[];

  constructor(private readonly options: FileCredentialProviderOptions) {
    this.paths = typeof options.path === 'string' ? [options.path] : options.path;
  }

  async get(bundleId: string, platform: Platform = 'ios'): Promise<AnyPushCredential | undefined> {
    this.byApp ??= this.read(undefined);
    return (await this.byApp).get(credentialKey(bundleId, platform));
  }

  async refresh(bundleId: string, platform: Platform = 'ios'): Promise<AnyPushCredential | undefined> {
    this.byApp = this.read(this.byApp);
    return (await this.byApp).get(credentialKey(bundleId, platform));
  }

  private async read(last: Promise<ByApp> | undefined): Promise<ByApp> {
    const previous = (await last?.catch(() => undefined)) ?? new Map<string, AnyPushCredential>();
    const byApp: ByApp = new Map();
    for (const path of this.paths) {
      for (const [index, item] of (await this.items(path)).entries())
        this.add(byApp, previous, path, index, item);
    }
    return byApp;
  }

  private async items(path: string): Promise<unknown[]> {
    try {
      const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
      return Array.isArray(parsed) ? parsed : [parsed];
    } catch (error) {
      this.options.log.error('push credentials file not readable', { path, error: errorName(error) });
      return [];
    }
  }

  private add(byApp: ByApp, previous: ByApp, path: string, index: number, item: unknown): void {
    const result = parsePushCredential(item);
    if (!result.ok) {
      this.options.log.error('malformed push credential skipped', { path, index, problems: result.problems });
      return;
    }
    const key = credentialKey(result.credential.bundleId, credentialPlatform(result.credential));
    if (byApp.has(key)) return;
    // Same content → same object, so the clients keep their connections and refresh() reports "unchanged".
    const same = previous.get(key);
    const text = JSON.stringify(item);
    const credential = same && this.raw.get(key) === text ? same : result.credential;
    this.raw.set(key, text);
    byApp.set(key, credential);
    const { metrics, apns } = this.options;
    if (metrics && apns && credential.auth !== 'fcm') reportCertificateDaysLeft(metrics, apns, credential);
  }
}

import { readFile } from 'node:fs/promises';
import type { ApnsCredential } from '../domain/apns-credential';
import { parseApnsCredential } from '../domain/apns-credential-schema';
import { errorName } from '../lib/helpers';
import type { CredentialProvider } from '../ports/credential-provider';
import type { LogSink } from '../ports/log';
import type { MetricsSink } from '../ports/metrics';
import type { ApnsTransport } from './apns/apns-transport';
import { reportCertificateDaysLeft } from './apns/credential-material';

export interface FileCredentialProviderOptions {
  /** APNS_CREDENTIALS_FILE: one credential (docs/contracts.md, push credentials), or an array of them. */
  readonly path: string;
  readonly log: LogSink;
  readonly metrics?: MetricsSink;
  readonly apns?: Pick<ApnsTransport, 'certificateDaysLeft'>;
}

/**
 * Credentials from a local JSON file (local runs). Read on first use; `refresh` reads it again, so
 * editing the file stands in for rotating the secret. Malformed entries are logged by index and skipped.
 */
export class FileCredentialProvider implements CredentialProvider {
  private byBundle: Promise<Map<string, ApnsCredential>> | undefined;
  private readonly raw = new Map<string, string>();

  constructor(private readonly options: FileCredentialProviderOptions) {}

  async get(bundleId: string): Promise<ApnsCredential | undefined> {
    this.byBundle ??= this.read(undefined);
    return (await this.byBundle).get(bundleId);
  }

  async refresh(bundleId: string): Promise<ApnsCredential | undefined> {
    this.byBundle = this.read(this.byBundle);
    return (await this.byBundle).get(bundleId);
  }

  private async read(
    last: Promise<Map<string, ApnsCredential>> | undefined,
  ): Promise<Map<string, ApnsCredential>> {
    const { path, log } = this.options;
    let items: unknown[];
    try {
      const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
      items = Array.isArray(parsed) ? parsed : [parsed];
    } catch (error) {
      log.error('APNs credentials file not readable', {
        path,
        error: errorName(error),
      });
      return new Map();
    }
    const previous = (await last?.catch(() => undefined)) ?? new Map<string, ApnsCredential>();
    const byBundle = new Map<string, ApnsCredential>();
    items.forEach((item, index) => {
      const result = parseApnsCredential(item);
      if (!result.ok) {
        log.error('malformed APNs credential skipped', { path, index, problems: result.problems });
        return;
      }
      const { bundleId } = result.credential;
      if (byBundle.has(bundleId)) return;
      // Same content → same object, so the APNs client keeps its connection and refresh() reports "unchanged".
      const same = previous.get(bundleId);
      const text = JSON.stringify(item);
      const credential = same && this.raw.get(bundleId) === text ? same : result.credential;
      this.raw.set(bundleId, text);
      byBundle.set(bundleId, credential);
      const { metrics, apns } = this.options;
      if (metrics && apns) reportCertificateDaysLeft(metrics, apns, credential);
    });
    return byBundle;
  }
}

import { readFileSync } from 'node:fs';
import { type App, formatKnownApps } from '../shared/domain/known-apps';
import { credentialPlatform, parsePushCredential } from '../shared/domain/push-credential-schema';

/**
 * KNOWN_APPS of the local stack: the apps of the credentials the sender loads (APNS_CREDENTIALS_FILE,
 * FCM_CREDENTIALS_FILE or the dev ones), so the register function refuses a device that could never
 * ring, as in a deployment. Undefined when a file cannot be read: the sender's own check reports it.
 */
export function knownAppsOfCredentialFiles(paths: readonly string[]): string | undefined {
  const apps: App[] = [];
  for (const path of paths) {
    let items: unknown;
    try {
      items = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return undefined;
    }
    for (const item of Array.isArray(items) ? items : [items]) {
      const parsed = parsePushCredential(item);
      if (parsed.ok)
        apps.push({ platform: credentialPlatform(parsed.credential), bundleId: parsed.credential.bundleId });
    }
  }
  return apps.length > 0 ? formatKnownApps(apps) : undefined;
}

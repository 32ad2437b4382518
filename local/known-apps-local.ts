import { readFileSync } from 'node:fs';
import { type App, formatKnownApps } from '../shared/domain/known-apps';
import {
  type AnyPushCredential,
  credentialPlatform,
  parsePushCredential,
} from '../shared/domain/push-credential-schema';

/** The credentials of a credential file (one object or an array); undefined when it cannot be read. */
export function credentialsOfFile(path: string): AnyPushCredential[] | undefined {
  let items: unknown;
  try {
    items = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  return (Array.isArray(items) ? items : [items]).flatMap((item) => {
    const parsed = parsePushCredential(item);
    return parsed.ok ? [parsed.credential] : [];
  });
}

/** The apps of the credentials in `paths`; undefined when a file cannot be read. */
export function appsOfCredentialFiles(paths: readonly string[]): App[] | undefined {
  const apps: App[] = [];
  for (const path of paths) {
    const credentials = credentialsOfFile(path);
    if (!credentials) return undefined;
    for (const credential of credentials)
      apps.push({ platform: credentialPlatform(credential), bundleId: credential.bundleId });
  }
  return apps;
}

/**
 * KNOWN_APPS of the local stack: the apps of the credentials the sender loads (APNS_CREDENTIALS_FILE,
 * FCM_CREDENTIALS_FILE or the dev ones), so the register function refuses a device that could never
 * ring, as in a deployment. Undefined when a file cannot be read: the sender's own check reports it.
 */
export function knownAppsOfCredentialFiles(paths: readonly string[]): string | undefined {
  const apps = appsOfCredentialFiles(paths);
  return apps && apps.length > 0 ? formatKnownApps(apps) : undefined;
}

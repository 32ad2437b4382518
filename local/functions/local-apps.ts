import type { App } from '../../shared/domain/known-apps';
import { EnvName } from '../../shared/platform/env-names';
import { DEV_BUNDLE_ID } from '../apns-simulator/dev-credentials';
import { DEV_ANDROID_PACKAGE } from '../fcm-simulator/dev-credentials';
import { appsOfCredentialFiles } from '../known-apps-local';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The apps the local deployment is synthesized for: those of APNS_CREDENTIALS_FILE and
 * FCM_CREDENTIALS_FILE, and the dev app (com.example.voip) of each platform whose pushes go to its
 * simulator with the dev credential.
 */
export function localApps(env: Env): App[] {
  const apps: App[] = [];
  const platforms = [
    {
      file: EnvName.apnsCredentialsFile,
      endpoint: EnvName.apnsEndpoint,
      dev: { platform: 'ios', bundleId: DEV_BUNDLE_ID },
    },
    {
      file: EnvName.fcmCredentialsFile,
      endpoint: EnvName.fcmEndpoint,
      dev: { platform: 'android', bundleId: DEV_ANDROID_PACKAGE },
    },
  ] as const;
  for (const { file, endpoint, dev } of platforms) {
    const path = env[file];
    if (path) {
      const found = appsOfCredentialFiles([path]);
      if (!found) throw new Error(`${file}: cannot read ${path} as a credential file (docs/contracts.md)`);
      apps.push(...found);
    } else if (env[endpoint]) {
      // The same message the source mode gives (stack-wiring.ts), before a synthesis is spent on it.
      throw new Error(`${endpoint} is set: ${file} must name your credential file`);
    } else {
      apps.push(dev);
    }
  }
  return apps.filter(
    (app, i) =>
      apps.findIndex((other) => other.platform === app.platform && other.bundleId === app.bundleId) === i,
  );
}

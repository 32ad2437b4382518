import { PLATFORMS, type Platform } from './device';

/**
 * The apps a deployment can push to: the bundle ids (iOS) and package names (Android) it holds a
 * credential for. The register function refuses a device of any other app (400 naming `bundleId`),
 * which would never ring. Set by the CDK app from its config and by the local stack from the
 * credentials it loads, as the register function's KNOWN_APPS: `<platform>:<bundleId>` entries,
 * comma-separated (`ios:com.example.voip,android:com.example.voip`). Unset: any app is accepted.
 */
export type KnownApps = ReadonlyMap<Platform, ReadonlySet<string>>;

export interface App {
  readonly platform: Platform;
  readonly bundleId: string;
}

/** The KNOWN_APPS value of these apps. */
export function formatKnownApps(apps: readonly App[]): string {
  return apps.map((app) => `${app.platform}:${app.bundleId}`).join(',');
}

/**
 * Reads a KNOWN_APPS value; throws naming the first entry that is not `<platform>:<bundleId>`, or when
 * it names no app at all (`,`): that would refuse every registration.
 */
export function parseKnownApps(text: string): KnownApps {
  const apps = new Map<Platform, Set<string>>(PLATFORMS.map((platform) => [platform, new Set<string>()]));
  let count = 0;
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    count += 1;
    const [platform, bundleId, extra] = entry.split(':');
    const set = apps.get(platform as Platform);
    if (!set || !bundleId || extra !== undefined || !/^[A-Za-z0-9._-]{1,155}$/.test(bundleId)) {
      throw new Error(`"${entry.slice(0, 80)}" is not <${PLATFORMS.join('|')}>:<bundleId>`);
    }
    set.add(bundleId);
  }
  if (count === 0) throw new Error(`names no app; leave it unset to accept any app`);
  return apps;
}

/** True when the deployment can push to this app (always, when it does not know its apps). */
export function isKnownApp(apps: KnownApps | undefined, platform: Platform, bundleId: string): boolean {
  return apps === undefined || apps.get(platform)?.has(bundleId) === true;
}

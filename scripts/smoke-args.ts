/**
 * The arguments of `npm run smoke -- (--stage <stage> [--region <region>] | --local) [options]`.
 * Tokens are never taken on the command line (shell history, `ps`): a key file or a bearer-token file.
 */
import { parseArgs } from 'node:util';
import type { ApnsEnvironment } from '../shared/domain/apns-credential';

/** The platforms a smoke check rings: one device of each. */
export type SmokePlatform = 'ios' | 'android';

export const SMOKE_USAGE =
  'usage: npm run smoke -- (--stage <stage> [--region <region>] | --local) [options]\n' +
  "  --stage        a deployed stage: reads the stacks' outputs (VoipPush-<stage>-Stateful/-Stateless)\n" +
  '  --local        the local stack of `npm start` (.local/stack.json)\n' +
  "  --key          the test issuer's RSA private key file: sign a token for the stage's SmokeApiUrl\n" +
  '  --bearer-file  a file holding a bearer token of your identity provider: register through ApiUrl\n' +
  '  --user         the token subject with --key (default smoke-<random>)\n' +
  '  --platform     ios (default), android, or both (one call to an iPhone and an Android device)\n' +
  '  --voip-token   the VoIP token (hex) of a real iPhone to ring (default a generated token)\n' +
  '  --fcm-token    the FCM registration token of a real Android device (default a generated token)\n' +
  "  --bundle-id    the app's bundle id / package name (default the stage's only app of the platform,\n" +
  '                 com.example.voip locally); with both, the same for both platforms\n' +
  '  --environment  the APNs environment: sandbox (default) or production (iOS only)\n' +
  '  --timeout      seconds to wait for the push attempt (default 60, 15 locally)';

export type SmokeWhere =
  | { readonly kind: 'deployed'; readonly stage: string; readonly region?: string }
  | { readonly kind: 'local' };

/** How the smoke check gets its bearer token. */
export type SmokeAuth =
  | { readonly kind: 'test-issuer'; readonly keyFile: string; readonly userId?: string }
  | { readonly kind: 'bearer-file'; readonly file: string }
  | { readonly kind: 'local-key'; readonly userId?: string };

export interface SmokeArgs {
  readonly ok: true;
  readonly where: SmokeWhere;
  readonly auth: SmokeAuth;
  /** `['ios']`, `['android']` or both, iOS first. */
  readonly platforms: readonly SmokePlatform[];
  readonly voipToken?: string;
  readonly fcmToken?: string;
  readonly bundleId?: string;
  readonly environment: ApnsEnvironment;
  readonly timeoutSeconds: number;
}

const STAGE = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;
const HEX_TOKEN = /^(?:[0-9a-fA-F]{2}){16,200}$/;
/** As the registration API's `fcmToken` (shared/domain/device-rules.ts). */
const FCM_TOKEN = /^[A-Za-z0-9_:-]{1,4096}$/;
const PLATFORMS: Readonly<Record<string, readonly SmokePlatform[]>> = {
  ios: ['ios'],
  android: ['android'],
  both: ['ios', 'android'],
};

export function parseSmokeArgs(
  argv: readonly string[],
): SmokeArgs | { readonly ok: false; readonly message: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        stage: { type: 'string' },
        region: { type: 'string' },
        local: { type: 'boolean' },
        key: { type: 'string' },
        'bearer-file': { type: 'string' },
        user: { type: 'string' },
        platform: { type: 'string' },
        'voip-token': { type: 'string' },
        'fcm-token': { type: 'string' },
        'bundle-id': { type: 'string' },
        environment: { type: 'string' },
        timeout: { type: 'string' },
      },
    }));
  } catch (error) {
    return { ok: false, message: (error as Error).message.split('\n')[0] as string };
  }
  const fail = (message: string) => ({ ok: false as const, message });
  const stage = values.stage as string | undefined;
  const local = values.local === true;
  if (local === (stage !== undefined)) return fail('give exactly one of --stage <stage> or --local');
  if (stage !== undefined && !STAGE.test(stage)) return fail(`--stage must be a stage name, got "${stage}"`);
  if (local && values.region !== undefined) return fail('--region is for a deployed stage, not --local');

  const keyFile = values.key as string | undefined;
  const bearerFile = values['bearer-file'] as string | undefined;
  const userId = values.user as string | undefined;
  if (keyFile !== undefined && bearerFile !== undefined) return fail('give --key or --bearer-file, not both');
  if (local && (keyFile !== undefined || bearerFile !== undefined))
    return fail('--local signs with the local key: no --key or --bearer-file');
  if (!local && keyFile === undefined && bearerFile === undefined)
    return fail('a deployed stage needs --key <test issuer key file> or --bearer-file <file>');
  if (bearerFile !== undefined && userId !== undefined)
    return fail('--user is the subject of a signed token: the bearer token has its own');
  const auth: SmokeAuth = local
    ? { kind: 'local-key', ...(userId ? { userId } : {}) }
    : keyFile !== undefined
      ? { kind: 'test-issuer', keyFile, ...(userId ? { userId } : {}) }
      : { kind: 'bearer-file', file: bearerFile as string };

  const platform = (values.platform as string | undefined) ?? 'ios';
  const platforms = Object.hasOwn(PLATFORMS, platform) ? PLATFORMS[platform] : undefined;
  if (!platforms) return fail(`--platform must be ios, android or both, got "${platform}"`);
  const voipToken = values['voip-token'] as string | undefined;
  const fcmToken = values['fcm-token'] as string | undefined;
  const rawEnvironment = values.environment as string | undefined;
  if (!platforms.includes('ios')) {
    if (voipToken !== undefined)
      return fail('--voip-token is for an iPhone: give --fcm-token with --platform android');
    if (rawEnvironment !== undefined)
      return fail('--environment is an APNs setting: an Android device has none');
  }
  if (!platforms.includes('android') && fcmToken !== undefined)
    return fail('--fcm-token is for an Android device: add --platform android (or both)');
  if (voipToken !== undefined && !HEX_TOKEN.test(voipToken))
    return fail('--voip-token must be an even number of 32-400 hex digits');
  if (fcmToken !== undefined && !FCM_TOKEN.test(fcmToken))
    return fail('--fcm-token must be 1-4096 characters of A-Z a-z 0-9 _ : -');
  const environment = rawEnvironment ?? 'sandbox';
  if (environment !== 'sandbox' && environment !== 'production')
    return fail(`--environment must be sandbox or production, got "${environment}"`);
  const rawTimeout = values.timeout as string | undefined;
  const timeoutSeconds = rawTimeout === undefined ? (local ? 15 : 60) : Number(rawTimeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 600)
    return fail(`--timeout must be 1-600 seconds, got "${rawTimeout}"`);
  return {
    ok: true,
    where: local
      ? { kind: 'local' }
      : {
          kind: 'deployed',
          stage: stage as string,
          ...(values.region ? { region: values.region as string } : {}),
        },
    auth,
    platforms,
    ...(voipToken ? { voipToken: voipToken.toLowerCase() } : {}),
    ...(fcmToken ? { fcmToken } : {}),
    ...(values['bundle-id'] ? { bundleId: values['bundle-id'] as string } : {}),
    environment,
    timeoutSeconds,
  };
}

import { z } from 'zod';
import { PLATFORMS, type Platform } from '../shared/domain/device';
import { readPublicSigningJwk } from './test-issuer-key';

/**
 * Deploy-time configuration, read once from cdk context (cdk.json defaults, overridden with
 * `-c key=value`) and validated here, so a bad value fails synth with one message naming the key.
 */

const STAGES = ['dev', 'staging', 'prod'] as const;
const BUNDLE_ID = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;
/** An Android application id: dot-separated segments, each a letter then letters, digits or `_`. */
const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$/;
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

export interface IosAppConfig {
  readonly platform: 'ios';
  readonly bundleId: string;
  readonly environments: readonly ('sandbox' | 'production')[];
}

/** FCM has one endpoint, so an Android app has no environments. */
export interface AndroidAppConfig {
  readonly platform: 'android';
  /** The package name (application id). */
  readonly bundleId: string;
}

export type AppConfig = IosAppConfig | AndroidAppConfig;

/** `platform` defaults to `ios`, so a config written before Android keeps its meaning. */
const appSchema = z
  .object({
    platform: z
      .enum(PLATFORMS as [Platform, ...Platform[]], { error: 'must be "ios" or "android"' })
      .default('ios'),
    // The register function's KNOWN_APPS takes at most 155 characters per id (shared/domain/known-apps.ts).
    bundleId: z.string().max(155, 'must be at most 155 characters'),
    environments: z
      .array(z.enum(['sandbox', 'production']))
      .min(1, 'must list at least one of "sandbox", "production"')
      .optional(),
  })
  .superRefine((app, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (app.platform === 'ios') {
      if (!BUNDLE_ID.test(app.bundleId)) issue('bundleId', 'must be a bundle id such as com.example.voip');
      if (app.environments === undefined)
        issue('environments', 'is required for an ios app: list "sandbox", "production" or both');
    } else {
      if (!PACKAGE_NAME.test(app.bundleId))
        issue('bundleId', 'must be an Android package name such as com.example.voip');
      if (app.environments !== undefined)
        issue('environments', 'must not be set for an android app (FCM has one endpoint)');
    }
  })
  .transform(
    (app): AppConfig =>
      app.platform === 'android'
        ? { platform: 'android', bundleId: app.bundleId }
        : { platform: 'ios', bundleId: app.bundleId, environments: app.environments ?? [] },
  );

/** The first `<platform>:<bundleId>` listed twice; the same id may be an iOS and an Android app. */
function duplicateApp(apps: readonly AppConfig[]): string | undefined {
  const seen = new Set<string>();
  for (const app of apps) {
    const key = `${app.platform}:${app.bundleId}`;
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}

const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' });

/** The smoke-check issuer's RSA public key: a PEM or JWK file path, or an inline JWK (infra/test-issuer-key.ts). */
const testIssuerPublicKey = z
  .union([z.string().min(1, 'must be a key file path or a JWK'), z.record(z.string(), z.unknown())])
  .transform((value, ctx) => {
    try {
      return readPublicSigningJwk(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

const fields = z.object({
  stage: z.enum(STAGES, { error: `must be one of ${STAGES.join(', ')}` }),
  apps: z
    .array(appSchema)
    .min(1, 'must list at least one app')
    .superRefine((apps, ctx) => {
      const twice = duplicateApp(apps);
      if (twice)
        ctx.addIssue({
          code: 'custom',
          message: `bundle ids must be unique per platform: ${twice} is listed twice`,
        });
    }),
  jwtIssuer: httpsUrl,
  jwtAudience: z.array(z.string().min(1)).min(1, 'must list at least one audience'),
  alarmEmail: z.email('must be an e-mail address').optional(),
  senderPrincipals: z.array(
    z
      .string()
      .refine(
        (p) => ACCOUNT_ID.test(p) || ROLE_ARN.test(p),
        'must be a 12-digit account id or an IAM role ARN',
      ),
  ),
  throttle: z.object({ rateLimit: z.number().positive(), burstLimit: z.number().int().positive() }).strict(),
  senderMaxConcurrency: z.number().int().min(2, 'must be at least 2 (Lambda minimum)').max(1000),
  senderMemoryMb: z.number().int().min(128).max(10240).default(512),
  senderTimeoutSeconds: z.number().int().min(5).max(150).default(30),
  receiptRateFloor: z.number().gt(0).lte(1, 'must be a fraction in (0, 1]'),
  account: z.string().regex(ACCOUNT_ID, 'must be a 12-digit account id').optional(),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be a region such as eu-west-1')
    .optional(),
  /** Opt-in: a second API whose authorizer trusts a test issuer (docs/deploy.md, smoke check). */
  testIssuerPublicKey: testIssuerPublicKey.optional(),
});

const configSchema = fields.superRefine((config, ctx) => {
  if (config.stage === 'prod' && config.testIssuerPublicKey) {
    ctx.addIssue({
      code: 'custom',
      path: ['testIssuerPublicKey'],
      message: 'is refused when stage is prod: whoever holds the test key could act as any user',
    });
  }
});

export type DeployConfig = z.output<typeof configSchema>;
export type Stage = DeployConfig['stage'];

/** Every key the app reads from context; also the list the error messages and docs use. */
export const CONFIG_KEYS = Object.keys(fields.shape) as (keyof DeployConfig)[];

/** Keys whose value is a number; `-c key=value` hands them over as strings. */
const NUMERIC_KEYS = new Set([
  'senderMaxConcurrency',
  'senderMemoryMb',
  'senderTimeoutSeconds',
  'receiptRateFloor',
]);
/** Keys whose value is a list; from `-c` they may be JSON or comma-separated. */
const LIST_KEYS = new Set(['jwtAudience', 'senderPrincipals']);

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Turns a `-c key=value` string into the shape cdk.json would have given. */
function fromCommandLine(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('[') || text.startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch {
      throw new ConfigError(`Invalid context "${key}": not valid JSON (${text.slice(0, 60)})`);
    }
  }
  if (NUMERIC_KEYS.has(key) && text !== '' && !Number.isNaN(Number(text))) return Number(text);
  if (LIST_KEYS.has(key)) return text === '' ? [] : text.split(',').map((s) => s.trim());
  if ((key === 'alarmEmail' || key === 'testIssuerPublicKey') && text === '') return undefined;
  return text;
}

/**
 * Validates raw context values (as `node.tryGetContext` returns them) into a DeployConfig.
 * @throws ConfigError naming the first bad key, e.g. `Invalid context "jwtIssuer": must be an https URL`.
 */
export function parseConfig(read: (key: string) => unknown): DeployConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) raw[key] = fromCommandLine(key, read(key));
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '?';
  const key = String(issue?.path[0] ?? '?');
  const message = raw[key] === undefined ? 'is required' : issue?.message;
  throw new ConfigError(`Invalid context "${path}": ${message}. Set it in cdk.json or with -c ${key}=...`);
}

/** The configured apps of one platform. */
export function appsOf<P extends Platform>(
  config: Pick<DeployConfig, 'apps'>,
  platform: P,
): Extract<AppConfig, { platform: P }>[] {
  return config.apps.filter((app): app is Extract<AppConfig, { platform: P }> => app.platform === platform);
}

/** The platforms with at least one configured app, in PLATFORMS order. */
export function platformsOf(config: Pick<DeployConfig, 'apps'>): Platform[] {
  return PLATFORMS.filter((platform) => config.apps.some((app) => app.platform === platform));
}

/** Removal policy rule shared by every stateful resource: only `dev` may delete data on teardown. */
export function isDisposable(stage: Stage): boolean {
  return stage === 'dev';
}

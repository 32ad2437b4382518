import { z } from 'zod';
import { type FieldProblem, ValidationError } from './errors';

/**
 * The registration API's input rules (docs/contracts.md), as zod schemas. They are named exports
 * because the OpenAPI document is generated from / checked against them.
 */

export {
  DEFAULT_DEVICE_LIMITS,
  DEFAULT_DEVICE_TTL_DAYS,
  DEFAULT_MAX_DEVICES_PER_USER,
  type DeviceLimits,
} from './device-limits';

const required = (type: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be a ${type}`;

/** 1–128 of `[A-Za-z0-9._:-]`. */
export const deviceIdSchema = z
  .string({ error: required('string') })
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' });

/** An APNs device token: hex, even length, 16–200 bytes worth (32–400 hex chars); stored lower-case. */
export const apnsTokenSchema = z
  .string({ error: required('string') })
  .regex(/^(?:[0-9A-Fa-f]{2}){16,200}$/, {
    error: 'must be an even number (32-400) of hex characters',
  })
  .toLowerCase();

/** Reverse-DNS app bundle id (`com.example.app`): at least two dot-separated labels, at most 155 characters. */
export const bundleIdSchema = z
  .string({ error: required('string') })
  .max(155, { error: 'must be at most 155 characters' })
  .regex(/^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$/, {
    error: 'must be a reverse-DNS bundle id such as com.example.app',
  });

/**
 * An Android package name (`com.example.my_app`): at least two dot-separated segments, each a letter
 * followed by letters, digits or `_`, at most 155 characters.
 */
export const androidPackageSchema = z
  .string({ error: required('string') })
  .max(155, { error: 'must be at most 155 characters' })
  .regex(/^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+$/, {
    error: 'must be an Android package name such as com.example.my_app',
  });

/**
 * An FCM registration token: opaque and case-sensitive, 1-4096 of `[A-Za-z0-9_:-]` (no fixed length),
 * stored exactly as given.
 */
export const fcmTokenSchema = z
  .string({ error: required('string') })
  .regex(/^[A-Za-z0-9_:-]{1,4096}$/, { error: 'must be 1-4096 characters of A-Z a-z 0-9 _ : -' });

export const apnsEnvironmentSchema = z.enum(['sandbox', 'production'], {
  error: (issue) => (issue.input === undefined ? 'is required' : 'must be "sandbox" or "production"'),
});

/** Printable ASCII, 1–64 characters (`1.4.2 (381)`). */
export const appVersionSchema = z
  .string({ error: required('string') })
  .regex(/^[\x20-\x7E]{1,64}$/, { error: 'must be 1-64 printable ASCII characters' });

/** BCP-47-ish (`en`, `en-US`, `zh-Hant-TW`); iOS's `en_US` form is accepted too. At most 35 characters. */
export const localeSchema = z
  .string({ error: required('string') })
  .max(35, { error: 'must be at most 35 characters' })
  .regex(/^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8})*$/, {
    error: 'must be a BCP-47 language tag such as en-US',
  });

const notAnObject = {
  error: (issue: { code?: string }) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined),
};

/** An iOS device's body; `platform` may be left out, so every body from before Android stays valid. */
export const iosDeviceBodySchema = z
  .strictObject(
    {
      platform: z.literal('ios').default('ios'),
      bundleId: bundleIdSchema,
      environment: apnsEnvironmentSchema,
      voipToken: apnsTokenSchema,
      alertToken: apnsTokenSchema.optional(),
      appVersion: appVersionSchema.optional(),
      locale: localeSchema.optional(),
    },
    notAnObject,
  )
  .refine((body) => body.alertToken === undefined || body.alertToken !== body.voipToken, {
    path: ['alertToken'],
    error: 'must differ from voipToken',
  });

/** An Android device's body: the package name and the FCM registration token. */
export const androidDeviceBodySchema = z.strictObject(
  {
    platform: z.literal('android'),
    bundleId: androidPackageSchema,
    fcmToken: fcmTokenSchema,
    appVersion: appVersionSchema.optional(),
    locale: localeSchema.optional(),
  },
  notAnObject,
);

/** Body of `PUT /v1/devices/{deviceId}`, by `platform` (default `ios`); unknown fields are rejected. */
export const registerDeviceBodySchema = z.discriminatedUnion(
  'platform',
  [iosDeviceBodySchema, androidDeviceBodySchema],
  {
    // Its own issues are a body that is not an object, or a `platform` that is neither.
    error: (issue) =>
      (issue.code as string) === 'invalid_type' ? 'must be a JSON object' : 'must be "ios" or "android"',
  },
);

export type RegisterDeviceBody = z.output<typeof registerDeviceBodySchema>;

/** Fields only one platform's body has: on the other's they are refused with the platform named. */
const PLATFORM_ONLY_FIELDS: Readonly<Record<string, RegisterDeviceBody['platform']>> = {
  environment: 'ios',
  voipToken: 'ios',
  alertToken: 'ios',
  fcmToken: 'android',
};

/** Path parameters of `PUT|DELETE /v1/devices/{deviceId}`. */
export const devicePathParametersSchema = z.object({ deviceId: deviceIdSchema });

/** Turns zod issues into the contract's `details` (one entry per bad field, unknown fields each named). */
export function toFieldProblems(error: z.core.$ZodError, root = 'body'): [FieldProblem, ...FieldProblem[]] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ field: path ? `${path}.${key}` : key, problem: 'is not a known field' });
      }
    } else {
      problems.push({ field: path || root, problem: issue.message });
    }
  }
  const [first, ...rest] = problems;
  return first ? [first, ...rest] : [{ field: root, problem: 'is invalid' }];
}

/**
 * Parses with `schema` or throws a ValidationError naming the bad fields. Takes classic and `zod/mini`
 * schemas alike (the call event's, shared with the sender, is a mini one).
 */
export function parseOrThrow<S extends z.core.$ZodType>(
  schema: S,
  input: unknown,
  root = 'body',
): z.output<S> {
  const result = z.safeParse(schema, input);
  if (!result.success) throw new ValidationError(toFieldProblems(result.error, root));
  return result.data;
}

export function parseDeviceId(input: unknown): string {
  return parseOrThrow(deviceIdSchema, input, 'deviceId');
}

export function parseRegisterDeviceBody(input: unknown): RegisterDeviceBody {
  const result = z.safeParse(registerDeviceBodySchema, input);
  if (result.success) return result.data;
  const [first, ...rest] = toFieldProblems(result.error, 'body').map((problem) => {
    const only = PLATFORM_ONLY_FIELDS[problem.field];
    return only && problem.problem === 'is not a known field'
      ? { field: problem.field, problem: `is only for platform "${only}"` }
      : problem;
  });
  throw new ValidationError([first as FieldProblem, ...rest]);
}

import * as z from '../domain/zod-mini';

/**
 * The one way the functions read their environment: a zod/mini schema keyed by `EnvName` (zod/mini
 * because the sender's config is on its cold-start path, docs/performance.md section 4), parsed once at
 * load by `parseEnv`, which names every bad variable (never its value). An empty variable counts as unset.
 */

export type Env = Readonly<Record<string, string | undefined>>;

const unsetIfEmpty = (value: string | undefined): string | undefined =>
  value === undefined || value.trim() === '' ? undefined : value;

/** A required, non-empty string. */
export const requiredText = () =>
  z.string({ error: 'is required' }).check(z.minLength(1, { error: 'is required' }));

/** An optional string, trimmed; empty is unset. */
export const optionalText = () =>
  z.pipe(
    z.optional(z.string()),
    z.transform((value: string | undefined) => unsetIfEmpty(value)?.trim()),
  );

/** An optional URL; empty is unset. */
export const optionalUrl = () =>
  z.pipe(
    z.pipe(z.optional(z.string()), z.transform(unsetIfEmpty)),
    z.optional(z.url({ error: 'must be a URL' })),
  );

/** An integer in [min, max], `fallback` when unset. */
export const intInRange = (min: number, max: number, fallback: number) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((value: string | undefined, ctx) => {
      const text = unsetIfEmpty(value);
      if (text === undefined) return fallback;
      const parsed = Number(text);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.issues.push({
          code: 'custom',
          message: `must be an integer from ${min} to ${max}`,
          input: value,
        });
        return z.NEVER;
      }
      return parsed;
    }),
  );

/** `true` or `false`, `fallback` when unset. */
export const flag = (fallback: boolean) =>
  z.pipe(
    z.pipe(z.optional(z.string()), z.transform(unsetIfEmpty)),
    z.pipe(
      z._default(
        z.optional(z.enum(['true', 'false'], { error: 'must be true or false' })),
        fallback ? 'true' : 'false',
      ),
      z.transform((value) => value === 'true'),
    ),
  );

/** Parses `env` with `schema`, or throws `invalid <name> configuration: VAR problem; ...`. */
export function parseEnv<S extends z.ZodMiniType>(schema: S, env: Env, name: string): z.output<S> {
  const parsed = z.safeParse(schema, env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`.trim());
  throw new Error(`invalid ${name} configuration: ${problems.join('; ')}`);
}

/** `{ key: value }` for the values that are set, so an optional config field is absent rather than undefined. */
export function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}

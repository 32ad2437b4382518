import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Env } from '../../shared/platform/config';

/**
 * The local stack's source mode (`VOIP_FUNCTIONS=source`) against the template: every variable the
 * template sets for a function, the source wiring sets too (to a local value), or leaves to the config's
 * default when that default is the template's value, or replaces by a reviewed local equivalent. What it
 * sets is what its wiring hands each config's loader, recorded as the loader parses it. (The default
 * bundle mode runs the template's own environment: deployed-functions.test.ts.)
 */
const parsedBy = new Map<unknown, Env>();
jest.unstable_mockModule('../../shared/domain/zod-mini', async () => {
  const zod = await import('zod/mini');
  const { default: en } = await import('zod/v4/locales/en.js');
  if (!zod.config().localeError) zod.config(en());
  const safeParse: typeof zod.safeParse = (schema, value, ...rest) => {
    parsedBy.set(schema, value as Env);
    return zod.safeParse(schema, value, ...rest);
  };
  return { ...zod, safeParse };
});
const { startLocalStack } = await import('../../local/stack');
const { freeStackPorts } = await import('../support/local-stack');
const {
  awsLikeValue,
  FUNCTION_CONFIGS,
  FUNCTION_NAMES,
  RUNTIME_VARIABLES,
  resolveVariables,
  templateFunction,
} = await import('../support/template-env');
const { EVERY_OPTION, synthApp } = await import('./synth-app');
type FunctionName = (typeof FUNCTION_NAMES)[number];

/** Reviewed: template variables the local stack replaces, by what and why. */
const LOCAL_SUBSTITUTES: Readonly<Record<string, { readonly instead: string; readonly reason: string }>> = {
  APNS_SECRET_ARNS: {
    instead: 'APNS_CREDENTIALS_FILE',
    reason: 'source mode reads the same credential JSON from a file (docs/contracts.md)',
  },
  FCM_SECRET_ARNS: { instead: 'FCM_CREDENTIALS_FILE', reason: 'as APNS_SECRET_ARNS' },
};

function loads(name: FunctionName, env: Env): unknown {
  try {
    return FUNCTION_CONFIGS[name].load(env as never);
  } catch (error) {
    return error;
  }
}

/** The template's variables the local environment neither sets, nor gets by default, nor replaces. */
function localProblems(name: FunctionName, deployed: Record<string, string>, local: Env): string[] {
  const deployedConfig = loads(name, deployed);
  return Object.keys(deployed).flatMap((key) => {
    if (local[key]?.trim()) return [];
    const { [key]: _unset, ...withoutKey } = deployed;
    if (!(deployedConfig instanceof Error) && isDeepEqual(loads(name, withoutKey), deployedConfig)) return [];
    if (key in RUNTIME_VARIABLES) return [];
    const substitute = LOCAL_SUBSTITUTES[key];
    if (substitute && local[substitute.instead]?.trim()) return [];
    return [
      `${name}: the template sets ${key}, the local stack neither sets it nor gets its value by default`,
    ];
  });
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}

let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
const localEnv: Partial<Record<FunctionName, Env>> = {};
beforeAll(async () => {
  stack = await startLocalStack({
    ...(await freeStackPorts()),
    dataDir: null,
    console: false,
    functions: 'source',
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT', PHONE_RECEIPTS: 'off' },
  });
  for (const name of FUNCTION_NAMES) localEnv[name] = parsedBy.get(FUNCTION_CONFIGS[name].schema);
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

describe.each([
  ['the cdk.json defaults', {}],
  ['every option', EVERY_OPTION],
])('the local stack against the template (%s)', (_label, context) => {
  let deployed: Record<FunctionName, Record<string, string>>;
  beforeAll(() => {
    const app = synthApp(context);
    deployed = Object.fromEntries(
      FUNCTION_NAMES.map((name) => [
        name,
        resolveVariables(templateFunction(app, name).variables, app.statefulTemplate, awsLikeValue),
      ]),
    ) as typeof deployed;
  });

  it.each(FUNCTION_NAMES)(
    '%s: sets every variable the template sets, or gets the same by default',
    (name) => {
      const local = localEnv[name];
      expect(local).toBeDefined();
      expect(localProblems(name, deployed[name], local as Env)).toEqual([]);
    },
  );

  it('names a variable the local stack lacks, and one whose default is not the template value', () => {
    const { DLQ_URL: _dropped, ...local } = localEnv.sender as Env;
    expect(localProblems('sender', { ...deployed.sender, DELIVERY_TTL_DAYS: '14' }, local)).toEqual([
      'sender: the template sets DELIVERY_TTL_DAYS, the local stack neither sets it nor gets its value by default',
      'sender: the template sets DLQ_URL, the local stack neither sets it nor gets its value by default',
    ]);
  });
});

import { type KnownApps, parseKnownApps } from '../../shared/domain/known-apps';
import * as z from '../../shared/domain/zod-mini';
import {
  definedOnly,
  type Env,
  intInRange,
  optionalText,
  optionalUrl,
  parseEnv,
  requiredText,
} from '../../shared/platform/config';
import { EnvDefault, EnvName } from '../../shared/platform/env-names';

const knownApps = () =>
  z.pipe(
    optionalText(),
    z.transform((value: string | undefined, ctx) => {
      if (value === undefined) return undefined;
      try {
        return parseKnownApps(value);
      } catch (error) {
        ctx.issues.push({ code: 'custom', message: (error as Error).message, input: value });
        return z.NEVER;
      }
    }),
  );

/** Every variable this config reads, and how: its loader parses exactly this (test/infra/function-env.test.ts). */
export const registerEnvSchema = z.object({
  [EnvName.devicesTable]: requiredText(),
  // A registration evicts at most a few devices per transaction, so the cap stays well under 100 items.
  [EnvName.maxDevicesPerUser]: intInRange(1, 100, EnvDefault.maxDevicesPerUser),
  [EnvName.deviceTtlDays]: intInRange(1, 3650, EnvDefault.deviceTtlDays),
  [EnvName.knownApps]: knownApps(),
  [EnvName.dynamodbEndpoint]: optionalUrl(),
});

export interface RegisterConfig {
  readonly devicesTableName: string;
  readonly maxDevicesPerUser: number;
  readonly deviceTtlDays: number;
  /** KNOWN_APPS; undefined when unset (any app is accepted). */
  readonly knownApps?: KnownApps;
  readonly dynamodbEndpoint?: string;
}

/** Reads and validates the register function's configuration once; throws naming every bad variable. */
export function loadRegisterConfig(env: Env = process.env): RegisterConfig {
  const e = parseEnv(registerEnvSchema, env, 'register');
  return {
    devicesTableName: e[EnvName.devicesTable],
    maxDevicesPerUser: e[EnvName.maxDevicesPerUser],
    deviceTtlDays: e[EnvName.deviceTtlDays],
    ...definedOnly({ knownApps: e[EnvName.knownApps], dynamodbEndpoint: e[EnvName.dynamodbEndpoint] }),
  };
}

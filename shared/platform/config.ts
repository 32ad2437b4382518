import { z } from 'zod';
import { DEFAULT_DEVICE_TTL_DAYS, DEFAULT_MAX_DEVICES_PER_USER } from '../domain/device-rules';
import { EnvName } from './env-names';

/** Optional, local runs only: point the DynamoDB client at DynamoDB Local. */
export const DYNAMODB_ENDPOINT_ENV = 'DYNAMODB_ENDPOINT';

const intFromEnv = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value.trim() === '') return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

const registerEnvSchema = z.object({
  [EnvName.devicesTable]: z.string({ error: 'is required' }).min(1, { error: 'is required' }),
  // A registration evicts at most a few devices per transaction, so the cap stays well under 100 items.
  [EnvName.maxDevicesPerUser]: intFromEnv(1, 100, DEFAULT_MAX_DEVICES_PER_USER),
  [EnvName.deviceTtlDays]: intFromEnv(1, 3650, DEFAULT_DEVICE_TTL_DAYS),
  [DYNAMODB_ENDPOINT_ENV]: z.url({ error: 'must be a URL' }).optional(),
});

export interface RegisterConfig {
  readonly devicesTableName: string;
  readonly maxDevicesPerUser: number;
  readonly deviceTtlDays: number;
  readonly dynamodbEndpoint?: string;
}

/** Reads and validates the register function's configuration once; throws naming every bad variable. */
export function loadRegisterConfig(env: Record<string, string | undefined> = process.env): RegisterConfig {
  const result = registerEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  const parsed = result.data;
  const endpoint = parsed[DYNAMODB_ENDPOINT_ENV];
  return {
    devicesTableName: parsed[EnvName.devicesTable],
    maxDevicesPerUser: parsed[EnvName.maxDevicesPerUser],
    deviceTtlDays: parsed[EnvName.deviceTtlDays],
    ...(endpoint ? { dynamodbEndpoint: endpoint } : {}),
  };
}

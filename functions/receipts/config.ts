import * as z from '../../shared/domain/zod-mini';
import { definedOnly, type Env, optionalUrl, parseEnv, requiredText } from '../../shared/platform/config';
import { EnvName } from '../../shared/platform/env-names';

/** Every variable this config reads, and how: its loader parses exactly this (test/infra/function-env.test.ts). */
export const receiptsEnvSchema = z.object({
  [EnvName.devicesTable]: requiredText(),
  [EnvName.deliveriesTable]: requiredText(),
  [EnvName.dynamodbEndpoint]: optionalUrl(),
});

export interface ReceiptsConfig {
  readonly devicesTableName: string;
  readonly deliveriesTableName: string;
  readonly dynamodbEndpoint?: string;
}

/** Reads and validates the receipts function's configuration once; throws naming every bad variable. */
export function loadReceiptsConfig(env: Env = process.env): ReceiptsConfig {
  const e = parseEnv(receiptsEnvSchema, env, 'receipts');
  return {
    devicesTableName: e[EnvName.devicesTable],
    deliveriesTableName: e[EnvName.deliveriesTable],
    ...definedOnly({ dynamodbEndpoint: e[EnvName.dynamodbEndpoint] }),
  };
}

import { z } from 'zod';
import { DYNAMODB_ENDPOINT_ENV } from '../../shared/platform/config';
import { EnvName } from '../../shared/platform/env-names';

const required = z.string({ error: 'is required' }).min(1, { error: 'is required' });

const receiptsEnvSchema = z.object({
  [EnvName.devicesTable]: required,
  [EnvName.deliveriesTable]: required,
  [DYNAMODB_ENDPOINT_ENV]: z.url({ error: 'must be a URL' }).optional(),
});

export interface ReceiptsConfig {
  readonly devicesTableName: string;
  readonly deliveriesTableName: string;
  readonly dynamodbEndpoint?: string;
}

/** Reads and validates the receipts function's configuration once; throws naming every bad variable. */
export function loadReceiptsConfig(env: Record<string, string | undefined> = process.env): ReceiptsConfig {
  const result = receiptsEnvSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  const endpoint = result.data[DYNAMODB_ENDPOINT_ENV];
  return {
    devicesTableName: result.data[EnvName.devicesTable],
    deliveriesTableName: result.data[EnvName.deliveriesTable],
    ...(endpoint ? { dynamodbEndpoint: endpoint } : {}),
  };
}

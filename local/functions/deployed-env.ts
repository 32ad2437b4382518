/**
 * A deployed function's environment on this machine: the template's variables with each stateful
 * reference resolved to its local counterpart, what Lambda's runtime would add (region, credentials),
 * the AWS SDK's own endpoint variables aimed at the local services, and the developer's overrides.
 */
import { receiptsEnvSchema } from '../../functions/receipts/config';
import { registerEnvSchema } from '../../functions/register/config';
import { senderEnvSchema } from '../../functions/sender/config';
import { EnvName } from '../../shared/platform/env-names';
import { LOCAL_CREDENTIALS } from '../services/dynamodb-local';
import type { TableNames } from '../services/tables';
import type { DeployedFunction, FunctionName, LocalResource } from './manifest';
import { resolveValue } from './manifest';

type Env = Readonly<Record<string, string | undefined>>;

/** Where the template's references and the AWS services are on this machine. */
export interface LocalCounterparts {
  readonly region: string;
  readonly tableNames: TableNames;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly secretsManagerEndpoint?: string;
  /** A secret's ARN in the local Secrets Manager, by the name the template gives it. */
  readonly secretArn: (name: string) => string;
}

const CONFIG_VARIABLES: Record<FunctionName, readonly string[]> = {
  register: Object.keys(registerEnvSchema.shape),
  receipts: Object.keys(receiptsEnvSchema.shape),
  sender: Object.keys(senderEnvSchema.shape),
};

/** Variables the local stack decides (references, endpoints, credentials): a developer's value is not passed. */
const STACK_OWNED = new Set<string>([
  EnvName.devicesTable,
  EnvName.deliveriesTable,
  EnvName.dlqUrl,
  EnvName.callQueueUrl,
  EnvName.apnsSecretArns,
  EnvName.fcmSecretArns,
  EnvName.apnsCredentialsFile,
  EnvName.fcmCredentialsFile,
  EnvName.dynamodbEndpoint,
  EnvName.sqsEndpoint,
]);

/** Powertools' own settings (log level, sampling, dev mode), not the service name and namespace the template sets. */
const isPowertoolsSetting = (key: string) =>
  key.startsWith('POWERTOOLS_') &&
  key !== 'POWERTOOLS_SERVICE_NAME' &&
  key !== 'POWERTOOLS_METRICS_NAMESPACE';

/**
 * What a developer's environment may change in a deployed function: a variable its config reads (a
 * tuning such as RETRY_AMBIGUOUS_PUSHES or DELIVERY_TTL_DAYS), except those the stack owns, and
 * Powertools' settings. In AWS these are the template's to set; locally they stand for `-c` values.
 */
export function developerOverrides(name: FunctionName, env: Env): Record<string, string> {
  const names = CONFIG_VARIABLES[name].filter((variable) => !STACK_OWNED.has(variable));
  const picked = Object.entries(env).filter(
    ([key, value]) => value !== undefined && (names.includes(key) || isPowertoolsSetting(key)),
  );
  return Object.fromEntries(picked) as Record<string, string>;
}

export function resolveLocal(resource: LocalResource, local: LocalCounterparts): string {
  switch (resource.kind) {
    case 'table':
      return local.tableNames[resource.table];
    case 'queue':
      return resource.queue === 'calls' ? local.queueUrl : local.dlqUrl;
    case 'secret':
      return local.secretArn(resource.name);
  }
}

/**
 * The environment `fn` runs with: its template variables resolved, Lambda's region and credentials,
 * the SDK's endpoint variables (AWS_ENDPOINT_URL_<SERVICE>) for DynamoDB, SQS and Secrets Manager,
 * then `extra` (the push providers' local endpoints, the developer's overrides).
 *
 * SQS_ENDPOINT is set as well: fauxqs's queue URLs name `sqs.<region>.localhost`, which does not
 * resolve here, and the SDK sends to a queue URL's own host unless the client is given an endpoint.
 */
export function deployedEnv(
  fn: DeployedFunction,
  local: LocalCounterparts,
  extra: Record<string, string> = {},
): Record<string, string> {
  const variables = Object.fromEntries(
    Object.entries(fn.variables).map(([key, value]) => [
      key,
      resolveValue(value, (resource) => resolveLocal(resource, local)),
    ]),
  );
  return {
    ...variables,
    AWS_REGION: local.region,
    AWS_DEFAULT_REGION: local.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: local.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SQS: local.sqsEndpoint,
    ...(local.secretsManagerEndpoint
      ? { AWS_ENDPOINT_URL_SECRETS_MANAGER: local.secretsManagerEndpoint }
      : {}),
    ...(EnvName.callQueueUrl in variables || EnvName.dlqUrl in variables
      ? { [EnvName.sqsEndpoint]: local.sqsEndpoint }
      : {}),
    ...extra,
  };
}

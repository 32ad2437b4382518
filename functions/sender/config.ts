import * as z from '../../shared/domain/zod-mini';
import {
  definedOnly,
  type Env,
  flag,
  intInRange,
  optionalText,
  optionalUrl,
  parseEnv,
  requiredText,
} from '../../shared/platform/config';
import { EnvDefault, EnvName } from '../../shared/platform/env-names';

const schema = z
  .object({
    [EnvName.devicesTable]: requiredText(),
    [EnvName.deliveriesTable]: requiredText(),
    [EnvName.apnsSecretArns]: optionalText(),
    [EnvName.apnsCredentialsFile]: optionalText(),
    [EnvName.credentialCacheSeconds]: intInRange(0, 86_400, EnvDefault.credentialCacheSeconds),
    [EnvName.deliveryTtlDays]: intInRange(1, 365, EnvDefault.deliveryTtlDays),
    [EnvName.apnsEndpoint]: optionalText(),
    [EnvName.apnsCaFile]: optionalText(),
    [EnvName.dlqUrl]: optionalUrl(),
    [EnvName.callQueueUrl]: optionalUrl(),
    [EnvName.dynamodbEndpoint]: optionalUrl(),
    [EnvName.sqsEndpoint]: optionalUrl(),
    [EnvName.retryAmbiguousPushes]: flag(false),
  })
  .check(
    z.refine((env) => Boolean(env[EnvName.apnsSecretArns] || env[EnvName.apnsCredentialsFile]), {
      message: `${EnvName.apnsSecretArns} or ${EnvName.apnsCredentialsFile} is required`,
    }),
  );

export type CredentialSource =
  | { readonly kind: 'secrets'; readonly secretIds: readonly string[]; readonly cacheSeconds: number }
  | { readonly kind: 'file'; readonly path: string };

export interface SenderConfig {
  readonly devicesTableName: string;
  readonly deliveriesTableName: string;
  readonly credentials: CredentialSource;
  readonly deliveryTtlDays: number;
  /** RETRY_AMBIGUOUS_PUSHES: FanOutOptions.retryAmbiguousPushes. */
  readonly retryAmbiguousPushes: boolean;
  readonly apnsEndpoint?: string;
  readonly apnsCaFile?: string;
  readonly dlqUrl?: string;
  readonly callQueueUrl?: string;
  readonly dynamodbEndpoint?: string;
  readonly sqsEndpoint?: string;
}

/** Reads and validates the sender's environment once; throws naming every bad variable (never values). */
export function loadSenderConfig(env: Env = process.env): SenderConfig {
  const e = parseEnv(schema, env, 'sender');
  const secretArns = e[EnvName.apnsSecretArns];
  const credentials: CredentialSource = secretArns
    ? {
        kind: 'secrets',
        secretIds: secretArns
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        cacheSeconds: e[EnvName.credentialCacheSeconds],
      }
    : { kind: 'file', path: e[EnvName.apnsCredentialsFile] as string };
  return {
    devicesTableName: e[EnvName.devicesTable],
    deliveriesTableName: e[EnvName.deliveriesTable],
    credentials,
    deliveryTtlDays: e[EnvName.deliveryTtlDays],
    retryAmbiguousPushes: e[EnvName.retryAmbiguousPushes],
    ...definedOnly({
      apnsEndpoint: e[EnvName.apnsEndpoint],
      apnsCaFile: e[EnvName.apnsCaFile],
      dlqUrl: e[EnvName.dlqUrl],
      callQueueUrl: e[EnvName.callQueueUrl],
      dynamodbEndpoint: e[EnvName.dynamodbEndpoint],
      sqsEndpoint: e[EnvName.sqsEndpoint],
    }),
  };
}

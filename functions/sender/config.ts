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

/** Every variable this config reads, and how: its loader parses exactly this (test/infra/function-env.test.ts). */
export const senderEnvSchema = z
  .object({
    [EnvName.devicesTable]: requiredText(),
    [EnvName.deliveriesTable]: requiredText(),
    [EnvName.apnsSecretArns]: optionalText(),
    [EnvName.apnsCredentialsFile]: optionalText(),
    [EnvName.fcmSecretArns]: optionalText(),
    [EnvName.fcmCredentialsFile]: optionalText(),
    [EnvName.fcmEndpoint]: optionalText(),
    [EnvName.fcmCaFile]: optionalText(),
    [EnvName.credentialCacheSeconds]: intInRange(0, 86_400, EnvDefault.credentialCacheSeconds),
    [EnvName.deliveryTtlDays]: intInRange(1, 365, EnvDefault.deliveryTtlDays),
    [EnvName.apnsEndpoint]: optionalText(),
    [EnvName.apnsCaFile]: optionalText(),
    [EnvName.dlqUrl]: optionalUrl(),
    [EnvName.callQueueUrl]: optionalUrl(),
    [EnvName.dynamodbEndpoint]: optionalUrl(),
    [EnvName.sqsEndpoint]: optionalUrl(),
    [EnvName.retryAmbiguousPushes]: flag(true),
  })
  .check(
    z.refine(
      (env) =>
        Boolean(
          env[EnvName.apnsSecretArns] ||
            env[EnvName.fcmSecretArns] ||
            env[EnvName.apnsCredentialsFile] ||
            env[EnvName.fcmCredentialsFile],
        ),
      {
        message: `${EnvName.apnsSecretArns}, ${EnvName.fcmSecretArns}, ${EnvName.apnsCredentialsFile} or ${EnvName.fcmCredentialsFile} is required`,
      },
    ),
  );

export type CredentialSource =
  | { readonly kind: 'secrets'; readonly secretIds: readonly string[]; readonly cacheSeconds: number }
  /** APNS_CREDENTIALS_FILE, or both it and FCM_CREDENTIALS_FILE when both are set. */
  | { readonly kind: 'file'; readonly path: string | readonly string[] };

export interface SenderConfig {
  readonly devicesTableName: string;
  readonly deliveriesTableName: string;
  readonly credentials: CredentialSource;
  readonly deliveryTtlDays: number;
  /** RETRY_AMBIGUOUS_PUSHES: FanOutOptions.retryAmbiguousPushes. */
  readonly retryAmbiguousPushes: boolean;
  readonly apnsEndpoint?: string;
  readonly apnsCaFile?: string;
  /** FCM_ENDPOINT: `production` or an https URL. @default production */
  readonly fcmEndpoint?: string;
  readonly fcmCaFile?: string;
  readonly dlqUrl?: string;
  readonly callQueueUrl?: string;
  readonly dynamodbEndpoint?: string;
  readonly sqsEndpoint?: string;
}

/** Reads and validates the sender's environment once; throws naming every bad variable (never values). */
export function loadSenderConfig(env: Env = process.env): SenderConfig {
  const e = parseEnv(senderEnvSchema, env, 'sender');
  const secretIds = [e[EnvName.apnsSecretArns], e[EnvName.fcmSecretArns]]
    .flatMap((list) => (list ?? '').split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const credentials: CredentialSource =
    secretIds.length > 0
      ? { kind: 'secrets', secretIds, cacheSeconds: e[EnvName.credentialCacheSeconds] }
      : {
          kind: 'file',
          path: credentialFiles(e[EnvName.apnsCredentialsFile], e[EnvName.fcmCredentialsFile]),
        };
  return {
    devicesTableName: e[EnvName.devicesTable],
    deliveriesTableName: e[EnvName.deliveriesTable],
    credentials,
    deliveryTtlDays: e[EnvName.deliveryTtlDays],
    retryAmbiguousPushes: e[EnvName.retryAmbiguousPushes],
    ...definedOnly({
      apnsEndpoint: e[EnvName.apnsEndpoint],
      apnsCaFile: e[EnvName.apnsCaFile],
      fcmEndpoint: e[EnvName.fcmEndpoint],
      fcmCaFile: e[EnvName.fcmCaFile],
      dlqUrl: e[EnvName.dlqUrl],
      callQueueUrl: e[EnvName.callQueueUrl],
      dynamodbEndpoint: e[EnvName.dynamodbEndpoint],
      sqsEndpoint: e[EnvName.sqsEndpoint],
    }),
  };
}

function credentialFiles(apns: string | undefined, fcm: string | undefined): string | readonly string[] {
  const paths = [apns, fcm].filter((path): path is string => Boolean(path));
  return paths.length === 1 ? (paths[0] as string) : paths;
}

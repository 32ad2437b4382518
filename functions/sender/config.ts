import { DEFAULT_DELIVERY_TTL_DAYS } from '../../shared/adapters/dynamodb/delivery-store';
import { DEFAULT_CREDENTIAL_CACHE_SECONDS } from '../../shared/adapters/secrets-credential-provider';
import * as z from '../../shared/domain/zod-mini';
import { EnvName } from '../../shared/platform/env-names';

/** Sender-only variables not (yet) in env-names.ts. */
export const SenderEnv = {
  /** Optional: URL of the DLQ; malformed records are moved there at once with their reason. */
  dlqUrl: 'DLQ_URL',
  /** Optional: URL of the call queue; a deferred record's visibility is shortened so it comes back in time. */
  callQueueUrl: 'CALL_QUEUE_URL',
  /** Optional, local only: DynamoDB Local. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  /** Optional, local only: the SQS emulator (for DLQ_URL). */
  sqsEndpoint: 'SQS_ENDPOINT',
  /**
   * Optional, `true` or `false` (default): retry a VoIP push whose transport outcome was ambiguous
   * (maybe delivered), preferring a possible second ring to a possible miss. See docs/reliability.md.
   */
  retryAmbiguousPushes: 'RETRY_AMBIGUOUS_PUSHES',
} as const;

// zod/mini, not classic zod: this module is on the sender's cold-start path (docs/performance.md section 4).
const int = (min: number, max: number, fallback: number) =>
  z._default(z.optional(z.coerce.number().check(z.int(), z.minimum(min), z.maximum(max))), fallback);
const optionalText = z.pipe(
  z.optional(z.string().check(z.trim())),
  z.transform((v: string | undefined) => (v ? v : undefined)),
);
const optionalUrl = z.optional(z.url());

const schema = z
  .object({
    [EnvName.devicesTable]: z.string().check(z.minLength(1)),
    [EnvName.deliveriesTable]: z.string().check(z.minLength(1)),
    [EnvName.apnsSecretArns]: optionalText,
    [EnvName.apnsCredentialsFile]: optionalText,
    [EnvName.credentialCacheSeconds]: int(0, 86_400, DEFAULT_CREDENTIAL_CACHE_SECONDS),
    [EnvName.deliveryTtlDays]: int(1, 365, DEFAULT_DELIVERY_TTL_DAYS),
    [EnvName.apnsEndpoint]: optionalText,
    [EnvName.apnsCaFile]: optionalText,
    [SenderEnv.dlqUrl]: optionalUrl,
    [SenderEnv.callQueueUrl]: optionalUrl,
    [SenderEnv.dynamodbEndpoint]: optionalUrl,
    [SenderEnv.sqsEndpoint]: optionalUrl,
    [SenderEnv.retryAmbiguousPushes]: z.pipe(
      z._default(z.optional(z.enum(['true', 'false'])), 'false'),
      z.transform((v) => v === 'true'),
    ),
  })
  .check(
    z.refine((env) => Boolean(env[EnvName.apnsSecretArns] || env[EnvName.apnsCredentialsFile]), {
      message: `${EnvName.apnsSecretArns} or ${EnvName.apnsCredentialsFile} is required`,
      path: [EnvName.apnsSecretArns],
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
export function loadSenderConfig(env: Record<string, string | undefined> = process.env): SenderConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid sender configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
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
  const optional = {
    apnsEndpoint: e[EnvName.apnsEndpoint],
    apnsCaFile: e[EnvName.apnsCaFile],
    dlqUrl: e[SenderEnv.dlqUrl],
    callQueueUrl: e[SenderEnv.callQueueUrl],
    dynamodbEndpoint: e[SenderEnv.dynamodbEndpoint],
    sqsEndpoint: e[SenderEnv.sqsEndpoint],
  };
  return {
    devicesTableName: e[EnvName.devicesTable],
    deliveriesTableName: e[EnvName.deliveriesTable],
    credentials,
    deliveryTtlDays: e[EnvName.deliveryTtlDays],
    retryAmbiguousPushes: e[SenderEnv.retryAmbiguousPushes],
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

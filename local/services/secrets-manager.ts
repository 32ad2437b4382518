import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_REGION } from './dynamodb-local';
import {
  AwsError,
  type Json,
  MAX_SECRET_LENGTH,
  type Secret,
  SecretStore,
  versionIdsToStages,
} from './secret-store';

export interface LocalSecretsManagerOptions {
  /** 0 = a free port. @default 0 */
  readonly port?: number;
  /** @default LOCAL_REGION */
  readonly region?: string;
  /** @default `000000000000` */
  readonly accountId?: string;
  readonly secrets?: readonly { readonly name: string; readonly value: string }[];
}

export interface LocalSecretsManager {
  /** `http://127.0.0.1:<port>`: for `AWS_ENDPOINT_URL_SECRETS_MANAGER` or a client's `endpoint`. */
  readonly endpoint: string;
  /** The full ARN (with its random suffix) of an existing secret; throws for an unknown name. */
  arnOf(name: string): string;
  /** CreateSecret for a new name, else PutSecretValue (the new value becomes AWSCURRENT). */
  put(name: string, value: string): void;
  stop(): Promise<void>;
}

/** Far above any valid request (a 65,536-character secret JSON-escaped), so never a valid one refused. */
const MAX_BODY_BYTES = 512 * 1024;
const TARGET_PREFIX = 'secretsmanager.';

/**
 * A Secrets Manager on 127.0.0.1 speaking AWS JSON 1.1 for the actions the SDK and Powertools use and a
 * developer looks with. Signatures are not verified; it logs nothing (so never a secret's value).
 */
export async function startLocalSecretsManager(
  options: LocalSecretsManagerOptions = {},
): Promise<LocalSecretsManager> {
  const store = new SecretStore(options.region ?? LOCAL_REGION, options.accountId ?? '000000000000');
  for (const { name, value } of options.secrets ?? []) store.put(name, value);
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => respond(res, () => handle(store, req, body)),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    arnOf: (name) => {
      const secret = store.find(name);
      if (!secret) throw new Error(`no local secret named ${name}`);
      return secret.arn;
    },
    put: (name, value) => store.put(name, value),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body, or `undefined` when it is larger than MAX_BODY_BYTES (then read to its end, not kept). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function respond(res: ServerResponse, run: () => Json): void {
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': randomUUID(),
  };
  let status = 200;
  let payload: Json;
  try {
    payload = run();
  } catch (error) {
    const known = error instanceof AwsError;
    status = known ? 400 : 500;
    const code = known ? error.code : 'InternalServiceError';
    headers['x-amzn-errortype'] = code;
    payload = { __type: code, message: known ? error.message : 'An error occurred on the server side.' };
  }
  res.writeHead(status, headers).end(JSON.stringify(payload));
}

function handle(store: SecretStore, req: IncomingMessage, body: string | undefined): Json {
  if (!req.headers.authorization) {
    throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const target = req.headers['x-amz-target'];
  const action =
    typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const run = req.method === 'POST' && req.url === '/' ? ACTIONS.get(action) : undefined;
  if (!run) throw new AwsError('UnknownOperationException', '');
  if (body === undefined) {
    throw new AwsError('SerializationException', `Request body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  return run(store, Input.parse(body));
}

/** A request's fields, checked as the Secrets Manager model types them. */
class Input {
  private constructor(private readonly fields: Json) {}

  static parse(body: string): Input {
    let parsed: unknown;
    try {
      parsed = body.trim() === '' ? {} : JSON.parse(body);
    } catch {
      throw new AwsError('SerializationException', 'Request body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new AwsError('SerializationException', 'Request body must be a JSON object');
    }
    return new Input(parsed as Json);
  }

  string(key: string): string | undefined {
    const value = this.fields[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new AwsError('SerializationException', `${key} must be a string`);
    return value;
  }

  required(key: string): string {
    const value = this.string(key);
    if (value !== undefined) return value;
    const member = `${key[0]?.toLowerCase()}${key.slice(1)}`;
    throw validation(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }

  /** SecretString within AWS's limit (SecretBinary is not served). */
  secret(): string | undefined {
    if (this.fields.SecretBinary !== undefined) {
      throw new AwsError(
        'InvalidParameterException',
        'SecretBinary is not supported by the local Secrets Manager.',
      );
    }
    const value = this.string('SecretString');
    if (value !== undefined && value.length > MAX_SECRET_LENGTH) {
      throw validation(
        `Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to ${MAX_SECRET_LENGTH}`,
      );
    }
    return value;
  }

  stages(): string[] | undefined {
    const value = this.fields.VersionStages;
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((stage) => typeof stage === 'string')) {
      throw new AwsError('SerializationException', 'VersionStages must be a list of strings');
    }
    return value;
  }
}

const validation = (detail: string) =>
  new AwsError('ValidationException', `1 validation error detected: ${detail}`);

const summary = (secret: Secret): Json => ({
  ARN: secret.arn,
  Name: secret.name,
  ...(secret.description !== undefined && { Description: secret.description }),
  CreatedDate: secret.createdDate,
  LastChangedDate: secret.lastChangedDate,
});

type Action = (store: SecretStore, input: Input) => Json;
const ACTIONS: ReadonlyMap<string, Action> = new Map<string, Action>([
  [
    'GetSecretValue',
    (store, input) => {
      const secret = store.get(input.required('SecretId'));
      const version = store.version(secret, input.string('VersionId'), input.string('VersionStage'));
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: version.id,
        SecretString: version.value,
        VersionStages: version.stages,
        CreatedDate: version.createdDate,
      };
    },
  ],
  [
    'PutSecretValue',
    (store, input) => {
      const secret = store.get(input.required('SecretId'));
      const value = input.secret();
      if (value === undefined) {
        throw new AwsError(
          'InvalidRequestException',
          'You must provide either SecretString or SecretBinary.',
        );
      }
      const version = store.addVersion(secret, value, input.string('ClientRequestToken'), input.stages());
      return { ARN: secret.arn, Name: secret.name, VersionId: version.id, VersionStages: version.stages };
    },
  ],
  [
    'CreateSecret',
    (store, input) => {
      const token = input.string('ClientRequestToken');
      const secret = store.create(input.required('Name'), input.secret(), token, input.string('Description'));
      const [versionId] = secret.versions.keys();
      return { ARN: secret.arn, Name: secret.name, ...(versionId !== undefined && { VersionId: versionId }) };
    },
  ],
  [
    'DescribeSecret',
    (store, input) => {
      const secret = store.get(input.required('SecretId'));
      return { ...summary(secret), VersionIdsToStages: versionIdsToStages(secret) };
    },
  ],
  [
    'ListSecrets',
    (store) => ({
      SecretList: store.all().map((s) => ({ ...summary(s), SecretVersionsToStages: versionIdsToStages(s) })),
    }),
  ],
]);

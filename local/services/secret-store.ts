import { randomInt, randomUUID } from 'node:crypto';

/** An error as Secrets Manager names it (`__type`, `x-amzn-ErrorType`); always HTTP 400. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** AWS's limit on SecretString. */
export const MAX_SECRET_LENGTH = 65_536;
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
/** A partial ARN whose name ends like this is taken for a full one (AWS's documented pitfall). */
const LOOKS_SUFFIXED = /-[A-Za-z0-9]{6}$/;
const SUFFIX_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CURRENT = 'AWSCURRENT';
const PREVIOUS = 'AWSPREVIOUS';

interface Version {
  readonly id: string;
  readonly value: string;
  /** Epoch seconds, as the API sends dates. */
  readonly createdDate: number;
  stages: string[];
}

export interface Secret {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly createdDate: number;
  lastChangedDate: number;
  /** Versions without a stage stay readable by VersionId but are left out of the stage maps. */
  readonly versions: Map<string, Version>;
}

export type Json = Record<string, unknown>;

const epochSeconds = () => Date.now() / 1000;
const notFound = (what = 'secret.') =>
  new AwsError('ResourceNotFoundException', `Secrets Manager can't find the specified ${what}`);

/** The secrets of one account and region, by name. */
export class SecretStore {
  private readonly byName = new Map<string, Secret>();
  private readonly arnPrefix: string;

  constructor(region: string, accountId: string) {
    this.arnPrefix = `arn:aws:secretsmanager:${region}:${accountId}:secret:`;
  }

  all(): Secret[] {
    return [...this.byName.values()];
  }

  /** By name, full ARN, or partial ARN (the ARN without `-` and the suffix), as AWS resolves SecretId. */
  find(secretId: string): Secret | undefined {
    if (!secretId.startsWith('arn:')) return this.byName.get(secretId);
    if (!secretId.startsWith(this.arnPrefix)) return undefined;
    const name = secretId.slice(this.arnPrefix.length);
    const full = this.byName.get(name.replace(LOOKS_SUFFIXED, ''));
    if (full?.arn === secretId) return full;
    return LOOKS_SUFFIXED.test(name) ? undefined : this.byName.get(name);
  }

  get(secretId: string): Secret {
    const secret = this.find(secretId);
    if (!secret) throw notFound();
    return secret;
  }

  create(name: string, value: string | undefined, token?: string, description?: string): Secret {
    if (!NAME_PATTERN.test(name)) {
      throw new AwsError(
        'InvalidParameterException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      );
    }
    if (this.byName.has(name)) {
      throw new AwsError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const suffix = Array.from({ length: 6 }, () => SUFFIX_CHARS[randomInt(SUFFIX_CHARS.length)]).join('');
    const now = epochSeconds();
    const arn = `${this.arnPrefix}${name}-${suffix}`;
    const secret: Secret = {
      name,
      arn,
      description,
      createdDate: now,
      lastChangedDate: now,
      versions: new Map(),
    };
    if (value !== undefined) this.addVersion(secret, value, token);
    this.byName.set(name, secret);
    return secret;
  }

  /**
   * A new version with `stages` (AWSCURRENT by default; the old AWSCURRENT becomes AWSPREVIOUS). A
   * repeated VersionId (the SDK's idempotency token) with the same value returns the existing version.
   */
  addVersion(secret: Secret, value: string, token?: string, stages: readonly string[] = [CURRENT]): Version {
    if (token !== undefined && (token.length < 32 || token.length > 64)) {
      throw new AwsError('InvalidParameterException', 'ClientRequestToken must be 32-64 characters long.');
    }
    const id = token ?? randomUUID();
    const known = secret.versions.get(id);
    if (known) {
      if (known.value === value) return known;
      throw new AwsError(
        'ResourceExistsException',
        "You can't modify an existing version, you can only create a new version.",
      );
    }
    const current = this.versionAt(secret, CURRENT);
    const moved = stages.includes(CURRENT) ? [...stages, PREVIOUS] : stages;
    for (const version of secret.versions.values()) {
      version.stages = version.stages.filter((stage) => !moved.includes(stage));
    }
    if (current && stages.includes(CURRENT)) current.stages.push(PREVIOUS);
    const version: Version = { id, value, createdDate: epochSeconds(), stages: [...stages] };
    secret.versions.set(id, version);
    secret.lastChangedDate = version.createdDate;
    return version;
  }

  /** The version by id and/or stage (AWSCURRENT when neither is given), as GetSecretValue picks it. */
  version(secret: Secret, versionId: string | undefined, stage: string | undefined): Version {
    if (versionId === undefined) {
      const found = this.versionAt(secret, stage ?? CURRENT);
      if (!found) throw notFound(`secret value for staging label: ${stage ?? CURRENT}`);
      return found;
    }
    const found = secret.versions.get(versionId);
    if (!found) throw notFound(`secret value for VersionId: ${versionId}`);
    if (stage !== undefined && !found.stages.includes(stage)) {
      throw new AwsError(
        'InvalidRequestException',
        'You provided a VersionStage that is not associated to the provided VersionId.',
      );
    }
    return found;
  }

  /** CreateSecret for a new name, else PutSecretValue. */
  put(name: string, value: string): void {
    const secret = this.byName.get(name);
    if (secret) this.addVersion(secret, value);
    else this.create(name, value);
  }

  private versionAt(secret: Secret, stage: string): Version | undefined {
    return [...secret.versions.values()].find((version) => version.stages.includes(stage));
  }
}

/** VersionIdsToStages / SecretVersionsToStages: versions that have a stage. */
export const versionIdsToStages = (secret: Secret): Json =>
  Object.fromEntries(
    [...secret.versions.values()].filter((v) => v.stages.length > 0).map((v) => [v.id, v.stages]),
  );

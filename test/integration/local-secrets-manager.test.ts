import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DEV_BUNDLE_ID,
  devPemCredential,
  devTokenCredential,
} from '../../local/apns-simulator/dev-credentials';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import { type LocalSecretsManager, startLocalSecretsManager } from '../../local/services/secrets-manager';
import { SecretsCredentialProvider } from '../../shared/adapters/secrets-credential-provider';
import { MemoryLogSink } from '../fakes/memory-telemetry';
import { isLoopback, listeningAddresses } from '../support/listening';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ARN_PREFIX = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:';

let sm: LocalSecretsManager;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startLocalSecretsManager({ secrets: [{ name: 'seeded', value: 'from options' }] });
  client = new SecretsManagerClient({
    endpoint: sm.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
});
afterAll(async () => {
  client.destroy();
  await sm.stop();
});

/** The error the SDK throws for `promise`: its name, HTTP status and message. */
async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  const error = await promise.then(
    () => undefined,
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
  );
  if (!error) throw new Error('expected the call to fail');
  return { name: error.name, status: error.$metadata?.httpStatusCode, message: error.message };
}

/** A raw AWS JSON 1.1 request (signed-looking unless `auth` is false). */
async function post(action: string, body: string, auth = true) {
  const response = await fetch(`${sm.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `secretsmanager.${action}`,
      ...(auth && {
        authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/secretsmanager/aws4_request',
      }),
    },
    body,
  });
  return {
    status: response.status,
    errorType: response.headers.get('x-amzn-errortype'),
    body: await response.text(),
  };
}

describe('local Secrets Manager with the AWS SDK', () => {
  it('gets a created secret by name and by its full ARN, with the fields AWS returns', async () => {
    const created = await client.send(new CreateSecretCommand({ Name: 'by-name', SecretString: 'v1' }));
    expect(created.ARN).toMatch(new RegExp(`^${ARN_PREFIX}by-name-[A-Za-z0-9]{6}$`));
    expect(created.VersionId).toMatch(UUID);
    expect(sm.arnOf('by-name')).toBe(created.ARN);

    for (const id of ['by-name', created.ARN]) {
      const got = await client.send(new GetSecretValueCommand({ SecretId: id }));
      expect(got).toMatchObject({
        ARN: created.ARN,
        Name: 'by-name',
        VersionId: created.VersionId,
        SecretString: 'v1',
      });
      expect(got.VersionStages).toEqual(['AWSCURRENT']);
      expect(got.CreatedDate).toBeInstanceOf(Date);
      expect(Math.abs((got.CreatedDate as Date).getTime() - Date.now())).toBeLessThan(60_000);
    }
    const seeded = await client.send(new GetSecretValueCommand({ SecretId: sm.arnOf('seeded') }));
    expect(seeded.SecretString).toBe('from options');
  });

  it('finds a secret by a partial ARN as AWS documents, except when its name ends like a suffix', async () => {
    sm.put('apns-com.example.voip', 'apns');
    const partial = `${ARN_PREFIX}apns-com.example.voip`;
    const got = await client.send(new GetSecretValueCommand({ SecretId: partial }));
    expect(got.SecretString).toBe('apns');

    // "-sender" looks like the random suffix, so AWS takes the partial ARN for a full one.
    sm.put('fcm-sender', 'fcm');
    const suffixLike = await failure(
      client.send(new GetSecretValueCommand({ SecretId: `${ARN_PREFIX}fcm-sender` })),
    );
    expect(suffixLike.name).toBe('ResourceNotFoundException');
    const full = await client.send(new GetSecretValueCommand({ SecretId: sm.arnOf('fcm-sender') }));
    expect(full.SecretString).toBe('fcm');

    const arn = sm.arnOf('fcm-sender');
    const wrongSuffix = arn.slice(0, -6) + (arn.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA');
    const otherAccount = arn.replace('000000000000', '111111111111');
    for (const id of [wrongSuffix, otherAccount]) {
      expect((await failure(client.send(new GetSecretValueCommand({ SecretId: id })))).name).toBe(
        'ResourceNotFoundException',
      );
    }
  });

  it('serves a rotated value as AWSCURRENT and the old one as AWSPREVIOUS', async () => {
    const { VersionId: first } = await client.send(
      new CreateSecretCommand({ Name: 'rotated', SecretString: 'old' }),
    );
    const put = await client.send(new PutSecretValueCommand({ SecretId: 'rotated', SecretString: 'new' }));
    expect(put).toMatchObject({ ARN: sm.arnOf('rotated'), Name: 'rotated', VersionStages: ['AWSCURRENT'] });
    expect(put.VersionId).toMatch(UUID);
    expect(put.VersionId).not.toBe(first);

    const current = await client.send(new GetSecretValueCommand({ SecretId: 'rotated' }));
    expect(current).toMatchObject({ SecretString: 'new', VersionId: put.VersionId });
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'rotated', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous).toMatchObject({ SecretString: 'old', VersionId: first, VersionStages: ['AWSPREVIOUS'] });
    const byId = await client.send(new GetSecretValueCommand({ SecretId: 'rotated', VersionId: first }));
    expect(byId.SecretString).toBe('old');

    sm.put('rotated', 'newest');
    const newest = await client.send(new GetSecretValueCommand({ SecretId: 'rotated' }));
    expect(newest.SecretString).toBe('newest');
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'rotated' }));
    // The first version has no stage left: AWS leaves it out of VersionIdsToStages.
    expect(described.VersionIdsToStages).toEqual({
      [put.VersionId as string]: ['AWSPREVIOUS'],
      [newest.VersionId as string]: ['AWSCURRENT'],
    });
    const mismatch = await failure(
      client.send(
        new GetSecretValueCommand({ SecretId: 'rotated', VersionId: first, VersionStage: 'AWSCURRENT' }),
      ),
    );
    expect(mismatch).toMatchObject({ name: 'InvalidRequestException', status: 400 });
  });

  it('answers ResourceNotFoundException with status 400 for an unknown secret, stage or version', async () => {
    expect(await failure(client.send(new GetSecretValueCommand({ SecretId: 'nope' })))).toEqual({
      name: 'ResourceNotFoundException',
      status: 400,
      message: "Secrets Manager can't find the specified secret.",
    });
    const stage = await failure(
      client.send(new GetSecretValueCommand({ SecretId: 'seeded', VersionStage: 'AWSPENDING' })),
    );
    expect(stage.message).toBe(
      "Secrets Manager can't find the specified secret value for staging label: AWSPENDING",
    );
    const put = await failure(
      client.send(new PutSecretValueCommand({ SecretId: 'nope', SecretString: 'x' })),
    );
    expect(put.name).toBe('ResourceNotFoundException');
  });

  it('refuses a second secret of one name and a secret value over 65,536 characters', async () => {
    const again = await failure(client.send(new CreateSecretCommand({ Name: 'seeded', SecretString: 'x' })));
    expect(again).toMatchObject({ name: 'ResourceExistsException', status: 400 });
    const big = await failure(
      client.send(new PutSecretValueCommand({ SecretId: 'seeded', SecretString: 'x'.repeat(65_537) })),
    );
    expect(big).toMatchObject({ name: 'ValidationException', status: 400 });
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'seeded' }))).SecretString).toBe(
      'from options',
    );
  });

  it('lists and describes secrets for a developer to look', async () => {
    await client.send(
      new CreateSecretCommand({ Name: 'described', SecretString: 'x', Description: 'a note' }),
    );
    const listed = await client.send(new ListSecretsCommand({}));
    const entry = listed.SecretList?.find((s) => s.Name === 'described');
    expect(entry).toMatchObject({ ARN: sm.arnOf('described'), Description: 'a note' });
    expect(Object.values(entry?.SecretVersionsToStages ?? {})).toEqual([['AWSCURRENT']]);
    const described = await client.send(new DescribeSecretCommand({ SecretId: sm.arnOf('described') }));
    expect(described).toMatchObject({ Name: 'described', Description: 'a note' });
    expect(described.CreatedDate).toBeInstanceOf(Date);
  });

  it('keeps one version when a PutSecretValue is retried with its ClientRequestToken', async () => {
    sm.put('retried', 'before');
    const token = 'a'.repeat(32);
    const first = await client.send(
      new PutSecretValueCommand({ SecretId: 'retried', SecretString: 'after', ClientRequestToken: token }),
    );
    const again = await client.send(
      new PutSecretValueCommand({ SecretId: 'retried', SecretString: 'after', ClientRequestToken: token }),
    );
    expect(again.VersionId).toBe(first.VersionId);
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'retried', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('before');
    const changed = await failure(
      client.send(
        new PutSecretValueCommand({ SecretId: 'retried', SecretString: 'other', ClientRequestToken: token }),
      ),
    );
    expect(changed.name).toBe('ResourceExistsException');
  });
});

describe('local Secrets Manager on the wire', () => {
  it('answers a request without Authorization with MissingAuthenticationTokenException', async () => {
    const res = await post('GetSecretValue', '{"SecretId":"seeded"}', false);
    expect(res).toEqual({
      status: 400,
      errorType: 'MissingAuthenticationTokenException',
      body: '{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}',
    });
  });

  it('answers an unknown action, even one named like an object property, with UnknownOperationException', async () => {
    for (const action of ['RotateSecret', 'toString', '__proto__']) {
      const res = await post(action, '{}');
      expect(res.status).toBe(400);
      expect(res.errorType).toBe('UnknownOperationException');
    }
  });

  it('answers malformed JSON, a non-object body and a wrongly typed field with SerializationException', async () => {
    for (const body of ['{"SecretId":', '[]', 'null', '{"SecretId":42}']) {
      const res = await post('GetSecretValue', body);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).__type).toBe('SerializationException');
    }
    const missing = await post('GetSecretValue', '{}');
    expect(missing).toMatchObject({ status: 400, errorType: 'ValidationException' });
  });

  it('answers a body larger than any valid request with a 400 and keeps serving', async () => {
    const res = await post(
      'PutSecretValue',
      JSON.stringify({ SecretId: 'seeded', SecretString: 'x'.repeat(600_000) }),
    );
    expect(res).toMatchObject({ status: 400, errorType: 'SerializationException' });
    expect((await client.send(new GetSecretValueCommand({ SecretId: 'seeded' }))).SecretString).toBe(
      'from options',
    );
  });

  it('listens on loopback only', () => {
    const addresses = listeningAddresses(Number(new URL(sm.endpoint).port));
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.filter((address) => !isLoopback(address))).toEqual([]);
  });
});

describe('local Secrets Manager behind Powertools and the credential provider', () => {
  it("serves Powertools' SecretsProvider by ARN", async () => {
    sm.put('powertools', 'pt-value');
    const provider = new SecretsProvider({ awsSdkV3Client: client });
    expect(await provider.get(sm.arnOf('powertools'))).toBe('pt-value');
  });

  it('gives SecretsCredentialProvider the APNs credential and its rotation', async () => {
    sm.put('apns-credential', JSON.stringify(devTokenCredential()));
    const log = new MemoryLogSink();
    const credentials = new SecretsCredentialProvider({
      secretIds: [sm.arnOf('apns-credential')],
      log,
      secrets: new SecretsProvider({ awsSdkV3Client: client }),
      minRefreshIntervalMs: 0,
    });
    expect((await credentials.get(DEV_BUNDLE_ID))?.auth).toBe('token');
    sm.put('apns-credential', JSON.stringify(devPemCredential()));
    expect((await credentials.refresh(DEV_BUNDLE_ID))?.auth).toBe('certificate');
  });

  it("reaches a plain SDK client through AWS_ENDPOINT_URL_SECRETS_MANAGER in a child's environment", async () => {
    sm.put('from-env', 'env-value');
    const code = [
      "import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';",
      'const got = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: process.env.SECRET_ID }));',
      'process.stdout.write(got.SecretString);',
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: resolve(import.meta.dirname, '../..'),
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        SECRET_ID: sm.arnOf('from-env'),
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const status = await new Promise((resolve) => child.on('close', resolve));
    expect({ status, out, err }).toEqual({ status: 0, out: 'env-value', err: '' });
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { devServiceAccountJson } from '../../local/fcm-simulator/dev-credentials';
import { FileCredentialProvider } from '../../shared/adapters/file-credential-provider';
import { SecretsCredentialProvider } from '../../shared/adapters/secrets-credential-provider';
import { MetricName } from '../../shared/platform/metric-names';
import { CredentialUnavailableError } from '../../shared/ports/credential-provider';
import { FakeApnsTransport } from '../fakes/fake-apns-transport';
import { MemoryLogSink, MemoryMetricsSink } from '../fakes/memory-telemetry';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----';
const tokenSecret = (bundleId: string, keyId = 'KEY1234567') =>
  JSON.stringify({ bundleId, auth: 'token', teamId: 'ABCDE12345', keyId, signingKey: KEY });
const certSecret = (bundleId: string) =>
  JSON.stringify({
    bundleId,
    auth: 'certificate',
    certificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    privateKey: KEY,
  });

const sm = mockClient(SecretsManagerClient);
afterAll(() => sm.restore());

function provider(secretIds: string[], maxAgeSeconds = 300) {
  const log = new MemoryLogSink();
  const metrics = new MemoryMetricsSink();
  const apns = new FakeApnsTransport();
  apns.daysLeft = 42;
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const secrets = new SecretsProvider({ awsSdkV3Client: client });
  const credentials = new SecretsCredentialProvider({
    secretIds,
    maxAgeSeconds,
    log,
    metrics,
    apns,
    secrets,
    minRefreshIntervalMs: 0,
  });
  return { credentials, log, metrics };
}

const secretValue = (arn: string, value: string) =>
  sm.on(GetSecretValueCommand, { SecretId: arn }).resolves({ SecretString: value });

describe('SecretsCredentialProvider', () => {
  beforeEach(() => {
    sm.reset();
  });

  it('indexes the listed secrets by bundle id when they are valid', async () => {
    secretValue('arn:a', tokenSecret('com.a'));
    secretValue('arn:b', certSecret('com.b'));
    const { credentials } = provider(['arn:a', 'arn:b']);
    expect(await credentials.get('com.a')).toMatchObject({ auth: 'token', keyId: 'KEY1234567' });
    expect(await credentials.get('com.b')).toMatchObject({ auth: 'certificate' });
    expect(await credentials.get('com.none')).toBeUndefined();
  });

  it('reads Secrets Manager once per cache period when many pushes ask', async () => {
    secretValue('arn:a', tokenSecret('com.a'));
    const { credentials } = provider(['arn:a']);
    await Promise.all(Array.from({ length: 20 }, () => credentials.get('com.a')));
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('skips a malformed secret and logs its ARN but never its content', async () => {
    secretValue('arn:good', tokenSecret('com.a'));
    secretValue(
      'arn:bad',
      JSON.stringify({
        bundleId: 'com.b',
        auth: 'token',
        teamId: 'short',
        keyId: 'KEY1234567',
        signingKey: 'SECRET-MATERIAL',
      }),
    );
    secretValue('arn:junk', '{"bundleId": "com.c", SECRET-MATERIAL');
    const { credentials, log } = provider(['arn:good', 'arn:bad', 'arn:junk']);
    expect(await credentials.get('com.a')).toBeDefined();
    expect(await credentials.get('com.b')).toBeUndefined();
    const errors = log.withMessage('malformed push credential secret skipped');
    expect(errors.map((l) => l.data.secretId).sort()).toEqual(['arn:bad', 'arn:junk']);
    expect(JSON.stringify(log.lines)).not.toContain('SECRET-MATERIAL');
  });

  it('uses the rotated secret after refresh and keeps the same object when the secret did not change', async () => {
    secretValue('arn:a', tokenSecret('com.a'));
    const { credentials } = provider(['arn:a']);
    const first = await credentials.get('com.a');
    expect(await credentials.refresh('com.a')).toBe(first);
    secretValue('arn:a', tokenSecret('com.a', 'KEY7654321'));
    const rotated = await credentials.refresh('com.a');
    expect(rotated).not.toBe(first);
    expect(rotated).toMatchObject({ keyId: 'KEY7654321' });
    expect(await credentials.get('com.a')).toBe(rotated);
  });

  it('uses the rotated secret when the cache period has passed', async () => {
    secretValue('arn:a', tokenSecret('com.a'));
    const { credentials } = provider(['arn:a'], 1);
    expect(await credentials.get('com.a')).toMatchObject({ keyId: 'KEY1234567' });
    secretValue('arn:a', tokenSecret('com.a', 'KEY7654321'));
    expect(await credentials.get('com.a')).toMatchObject({ keyId: 'KEY1234567' });
    await new Promise((resolve) => setTimeout(resolve, 1050));
    expect(await credentials.get('com.a')).toMatchObject({ keyId: 'KEY7654321' });
  });

  it('emits CertificateDaysLeft by bundle for certificate credentials when secrets are loaded', async () => {
    secretValue('arn:a', tokenSecret('com.a'));
    secretValue('arn:b', certSecret('com.b'));
    const { credentials, metrics } = provider(['arn:a', 'arn:b']);
    await credentials.get('com.b');
    expect(metrics.recorded.filter((m) => m.name === MetricName.CertificateDaysLeft)).toEqual([
      { name: MetricName.CertificateDaysLeft, value: 42, unit: 'Count', dimensions: { BundleId: 'com.b' } },
    ]);
  });

  it('reports the credential unavailable, not missing, when Secrets Manager cannot be read', async () => {
    sm.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('throttled'), { name: 'ThrottlingException' }),
    );
    const { credentials, log } = provider(['arn:a']);
    await expect(credentials.get('com.a')).rejects.toBeInstanceOf(CredentialUnavailableError);
    expect(log.withMessage('push credential secret not readable')[0]?.data).toEqual({
      secretId: 'arn:a',
      error: 'ThrottlingException',
    });
  });

  it('keeps serving the last good credential when a refresh cannot read the secret', async () => {
    secretValue('arn:a', tokenSecret('com.a'));
    const { credentials } = provider(['arn:a']);
    const first = await credentials.get('com.a');
    sm.on(GetSecretValueCommand).rejects(new Error('network'));
    expect(await credentials.refresh('com.a')).toBe(first);
  });
});

describe('SecretsCredentialProvider with FCM secrets', () => {
  const account = devServiceAccountJson('https://127.0.0.1:8443/token');
  const fcmSecret = (bundleId: string, overrides: Record<string, unknown> = {}) =>
    JSON.stringify({ bundleId, auth: 'fcm', serviceAccount: { ...account, ...overrides } });
  const keyBody = (account.private_key as string).split('\n')[1] as string;

  beforeEach(() => {
    sm.reset();
  });

  it.each([
    [
      'a private_key that is not a key',
      fcmSecret('com.bad', { private_key: 'SECRET-MATERIAL' }),
      'serviceAccount.private_key',
    ],
    ['no client_email', fcmSecret('com.bad', { client_email: undefined }), 'serviceAccount.client_email'],
    [
      'a token_uri that is not https',
      fcmSecret('com.bad', { token_uri: 'http://SECRET-MATERIAL/token' }),
      'serviceAccount.token_uri',
    ],
    [
      'the service account as a string',
      JSON.stringify({ bundleId: 'com.bad', auth: 'fcm', serviceAccount: JSON.stringify(account) }),
      'serviceAccount',
    ],
    [
      'auth in capitals',
      JSON.stringify({ bundleId: 'com.bad', auth: 'FCM', serviceAccount: account }),
      'auth',
    ],
    ['no auth', JSON.stringify({ bundleId: 'com.bad', serviceAccount: account }), 'auth'],
    ['the bare console download', JSON.stringify(account), 'bare service-account JSON'],
  ])(
    'skips an FCM secret with %s, naming the field, while the other apps still load',
    async (_what, bad, field) => {
      secretValue('arn:bad', bad);
      secretValue('arn:fcm', fcmSecret('com.good'));
      secretValue('arn:apns', tokenSecret('com.good'));
      const { credentials, log } = provider(['arn:bad', 'arn:fcm', 'arn:apns']);
      expect(await credentials.get('com.bad', 'android')).toBeUndefined();
      expect(await credentials.get('com.good', 'android')).toMatchObject({
        auth: 'fcm',
        bundleId: 'com.good',
      });
      expect(await credentials.get('com.good', 'ios')).toMatchObject({ auth: 'token' });
      const [line] = log.withMessage('malformed push credential secret skipped');
      expect(line?.data.secretId).toBe('arn:bad');
      expect(line?.data.problems).toEqual(expect.arrayContaining([expect.stringContaining(field)]));
      const logged = JSON.stringify(log.lines);
      expect(logged).not.toContain('SECRET-MATERIAL');
      expect(logged).not.toContain(keyBody);
    },
  );

  it('uses the rotated service-account key after refresh and keeps the object while the secret is unchanged', async () => {
    secretValue('arn:fcm', fcmSecret('com.a'));
    const { credentials } = provider(['arn:fcm']);
    const first = await credentials.get('com.a', 'android');
    expect(await credentials.refresh('com.a', 'android')).toBe(first);
    secretValue('arn:fcm', fcmSecret('com.a', { private_key_id: 'rotated-key-2' }));
    const rotated = await credentials.refresh('com.a', 'android');
    expect(rotated).not.toBe(first);
    expect(rotated?.auth === 'fcm' && rotated.serviceAccount.private_key_id).toBe('rotated-key-2');
    expect(await credentials.get('com.a', 'android')).toBe(rotated);
  });
});

describe('FileCredentialProvider', () => {
  const dir = mkdtempSync(join(tmpdir(), 'creds-'));

  it('reads one credential or an array and skips malformed entries when the file is loaded', async () => {
    const path = join(dir, 'array.json');
    writeFileSync(
      path,
      `[${tokenSecret('com.a')}, {"bundleId":"com.x","auth":"token"}, ${certSecret('com.b')}]`,
    );
    const log = new MemoryLogSink();
    const credentials = new FileCredentialProvider({ path, log });
    expect(await credentials.get('com.a')).toMatchObject({ auth: 'token' });
    expect(await credentials.get('com.b')).toMatchObject({ auth: 'certificate' });
    expect(await credentials.get('com.x')).toBeUndefined();
    expect(log.withMessage('malformed push credential skipped')[0]?.data).toMatchObject({ index: 1 });

    const single = join(dir, 'single.json');
    writeFileSync(single, tokenSecret('com.one'));
    expect(await new FileCredentialProvider({ path: single, log }).get('com.one')).toBeDefined();
  });

  it('picks up an edited file on refresh and keeps the object when it is unchanged', async () => {
    const path = join(dir, 'rotate.json');
    writeFileSync(path, tokenSecret('com.a'));
    const credentials = new FileCredentialProvider({ path, log: new MemoryLogSink() });
    const first = await credentials.get('com.a');
    expect(await credentials.refresh('com.a')).toBe(first);
    writeFileSync(path, tokenSecret('com.a', 'KEY7654321'));
    expect(await credentials.refresh('com.a')).toMatchObject({ keyId: 'KEY7654321' });
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { devServiceAccountJson } from '../../local/fcm-simulator/dev-credentials';
import { parseFcmCredential } from '../../shared/domain/fcm-credential-schema';
import { parsePushCredential } from '../../shared/domain/push-credential-schema';

const TOKEN_URI = 'https://127.0.0.1:8443/token';
const account = devServiceAccountJson(TOKEN_URI);
const secret = (overrides: Record<string, unknown> = {}, wrapper: Record<string, unknown> = {}) => ({
  bundleId: 'com.example.voip',
  auth: 'fcm',
  serviceAccount: { ...account, ...overrides },
  ...wrapper,
});
const privateKey = account.private_key as string;
const keyBody = privateKey.split('\n')[1] as string;

const problemsOf = (raw: unknown): readonly string[] => {
  const result = parseFcmCredential(raw);
  if (result.ok) throw new Error('expected a rejection');
  return result.problems;
};

describe('parseFcmCredential', () => {
  it('accepts the service-account JSON as the console writes it when wrapped with bundleId and auth', () => {
    const result = parseFcmCredential(JSON.stringify(secret()));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.credential).toEqual({
      bundleId: 'com.example.voip',
      auth: 'fcm',
      serviceAccount: {
        type: 'service_account',
        project_id: 'voip-push-dev',
        private_key_id: account.private_key_id,
        private_key: privateKey,
        client_email: 'fcm-sender@voip-push-dev.iam.gserviceaccount.com',
        token_uri: TOKEN_URI,
      },
    });
  });

  it('accepts fields the console may add when they are unknown to the parser', () => {
    const result = parseFcmCredential(
      secret({ universe_domain: 'googleapis.com', quota_project_id: 'q', extra: [1] }),
    );
    expect(result.ok).toBe(true);
  });

  it('accepts an Android package name with underscores when it is the bundleId', () => {
    expect(parseFcmCredential(secret({}, { bundleId: 'com.example.voip_app' })).ok).toBe(true);
  });

  it('names each missing field when the service account lacks them', () => {
    const { private_key: _k, client_email: _e, token_uri: _t, ...rest } = account;
    expect(problemsOf({ bundleId: 'com.example.voip', auth: 'fcm', serviceAccount: rest })).toEqual([
      'serviceAccount.private_key: invalid_type',
      'serviceAccount.client_email: invalid_type',
      'serviceAccount.token_uri: invalid_type',
    ]);
  });

  it('says not JSON when the secret string is not JSON', () => {
    expect(problemsOf('{"bundleId": ')).toEqual(['not JSON']);
  });

  it('rejects an APNs credential when auth is not fcm', () => {
    expect(problemsOf(secret({}, { auth: 'token' }))).toContain('auth: invalid_value');
  });

  it('rejects a service account whose type is not service_account', () => {
    expect(problemsOf(secret({ type: 'authorized_user' }))).toEqual(['serviceAccount.type: invalid_value']);
  });

  it('rejects a private_key that is not PEM, naming the field and quoting none of it', () => {
    const problems = problemsOf(secret({ private_key: keyBody }));
    expect(problems).toEqual([
      'serviceAccount.private_key: invalid_format',
      'serviceAccount.private_key: not a readable RSA private key',
    ]);
    expect(problems.join(' ')).not.toContain(keyBody.slice(0, 16));
  });

  it('rejects a corrupted PEM key when it cannot be read', () => {
    const corrupted = privateKey.replace(keyBody, keyBody.split('').reverse().join(''));
    expect(problemsOf(secret({ private_key: corrupted }))).toEqual([
      'serviceAccount.private_key: not a readable RSA private key',
    ]);
  });

  it('rejects an EC key when RS256 needs an RSA key', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(problemsOf(secret({ private_key: ec }))).toEqual([
      'serviceAccount.private_key: not a readable RSA private key',
    ]);
  });

  it('rejects a token_uri that is not https', () => {
    expect(problemsOf(secret({ token_uri: 'http://oauth2.googleapis.com/token' }))).toEqual([
      'serviceAccount.token_uri: must be an https:// URL',
    ]);
    expect(problemsOf(secret({ token_uri: 'not a url' }))).toEqual([
      'serviceAccount.token_uri: must be an https:// URL',
    ]);
  });

  it('rejects a project_id that could change the request path', () => {
    for (const project_id of ['a/../../b', 'p?x=1', 'p#f', '', 'x'.repeat(129)]) {
      expect(problemsOf(secret({ project_id })).length).toBeGreaterThan(0);
    }
  });

  it('rejects a client_email that is not an address', () => {
    expect(problemsOf(secret({ client_email: 'fcm-sender' }))).toEqual([
      'serviceAccount.client_email: invalid_format',
    ]);
  });

  it('rejects a private_key longer than any RSA key without reading it', () => {
    const huge = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(20_000)}\n-----END PRIVATE KEY-----\n`;
    expect(problemsOf(secret({ private_key: huge }))).toEqual([
      'serviceAccount.private_key: too_big',
      'serviceAccount.private_key: not a readable RSA private key',
    ]);
  });

  it('rejects hostile shapes without throwing when the input is not an object', () => {
    for (const raw of [null, 42, [], 'null', '"fcm"', '[]', secret({}, { serviceAccount: 'x' })]) {
      expect(problemsOf(raw).length).toBeGreaterThan(0);
    }
  });

  it('ignores a __proto__ key when the JSON carries one', () => {
    const result = parseFcmCredential(`{"__proto__":{"polluted":true},${JSON.stringify(secret()).slice(1)}`);
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('never throws and never quotes a value when fields hold random text', () => {
    const field = fc.constantFrom(
      'project_id',
      'private_key_id',
      'private_key',
      'client_email',
      'token_uri',
      'type',
    );
    fc.assert(
      fc.property(field, fc.string({ minLength: 12, maxLength: 300 }), (name, value) => {
        const result = parseFcmCredential(secret({ [name]: value }));
        if (result.ok) return;
        for (const problem of result.problems) expect(problem).not.toContain(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parsePushCredential with FCM secrets', () => {
  const pushProblems = (raw: unknown): readonly string[] => {
    const result = parsePushCredential(raw);
    if (result.ok) throw new Error('expected a rejection');
    return result.problems;
  };

  it('reads an FCM credential when auth is fcm', () => {
    expect(parsePushCredential(JSON.stringify(secret()))).toMatchObject({
      ok: true,
      credential: { auth: 'fcm' },
    });
  });

  it('names auth, not every APNs form, when a service-account wrapper has a wrong or missing auth', () => {
    expect(pushProblems(secret({}, { auth: 'FCM' }))).toEqual(['auth: invalid_value']);
    const { auth: _auth, ...noAuth } = secret();
    expect(pushProblems(noAuth)).toEqual(['auth: invalid_value']);
  });

  it('says to wrap it when the secret is the console download as it is', () => {
    expect(pushProblems(JSON.stringify(account))).toEqual([
      '(root): a bare service-account JSON; wrap it as { bundleId, auth: "fcm", serviceAccount }',
    ]);
  });

  it('still reads APNs credentials and their problems as before when auth is not fcm', () => {
    expect(pushProblems({ bundleId: 'com.example.voip', auth: 'token' }).join()).not.toContain(
      'serviceAccount',
    );
  });
});

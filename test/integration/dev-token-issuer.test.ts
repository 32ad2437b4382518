import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { TEST_ISSUER_AUDIENCE } from '../../infra/constructs/test-issuer';
import { readPublicSigningJwk } from '../../infra/test-issuer-key';

const run = promisify(execFile);
const ISSUER = 'https://abcdefgh.lambda-url.eu-west-1.on.aws/';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'voip-push-issuer-'));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'key.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, 'ec.pem'), ec.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const devToken = (...args: string[]) => run('node_modules/.bin/tsx', ['local/dev-token.ts', ...args]);

describe('dev-token --issuer', () => {
  it('mints RS256 tokens that the JWKS the stack publishes for the public half verifies', async () => {
    const { stdout, stderr } = await devToken(
      '--issuer',
      ISSUER,
      '--key',
      join(dir, 'key.pem'),
      '--audience',
      TEST_ISSUER_AUDIENCE,
      'smoke-user',
    );
    expect(stderr).toBe('');
    const token = stdout.trim();
    // What the deployed issuer serves: the key as `-c testIssuerPublicKey` reads it.
    const published = readPublicSigningJwk(join(dir, 'key.pub.pem'));
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: published.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [published] }), {
      issuer: ISSUER,
      audience: TEST_ISSUER_AUDIENCE,
      algorithms: ['RS256'],
    });
    expect(payload.sub).toBe('smoke-user');
    expect((payload.exp as number) - (payload.iat as number)).toBe(600);
  });

  it('exits 1 with one line and prints no token when the key is not RSA', async () => {
    const failure = await devToken(
      '--issuer',
      ISSUER,
      '--key',
      join(dir, 'ec.pem'),
      '--audience',
      TEST_ISSUER_AUDIENCE,
      'u1',
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringMatching(/must be an RSA key[^\n]*\n$/),
    });
  });

  it('exits 1 without a token when the key file is the public half', async () => {
    const failure = await devToken(
      '--issuer',
      ISSUER,
      '--key',
      join(dir, 'key.pub.pem'),
      '--audience',
      TEST_ISSUER_AUDIENCE,
      'u1',
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 1,
      stdout: '',
      stderr: expect.stringContaining('is not a private key'),
    });
  });
});

import { createHash, createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { base64url, exportSPKI, SignJWT } from 'jose';
import { devKeyPaths } from '../../local/apns-simulator/dev-credentials';
import {
  DEFAULT_JWT_DIR,
  LOCAL_JWT_AUDIENCE,
  LOCAL_JWT_ISSUER,
  loadLocalSigningKey,
  mintDevToken,
} from '../../local/jwt';
import { startTestApi, type TestApi, tokenFor } from '../support/local-api';
import { findSecrets, type KnownSecret, LogCapture, pemSecrets } from '../support/log-capture';

/**
 * JWT attacks on the local authorizer twin, user isolation through the real register Lambda, and a scan
 * of every log line the API and the Lambda wrote during this file (captured stdout/stderr, INFO level)
 * for the raw device tokens, the JWTs and the private key material used.
 */
let api: TestApi;
const capture = new LogCapture('security-auth-isolation');
const otherKeyDir = mkdtempSync(join(tmpdir(), 'voip-push-attacker-key-'));
const usedJwts: string[] = [];
const usedDeviceTokens: string[] = [];
const device = (voipToken: string) => ({ bundleId: 'com.example.voip', environment: 'sandbox', voipToken });
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: LOCAL_JWT_ISSUER,
  aud: LOCAL_JWT_AUDIENCE,
  sub: 'victim',
  iat: now(),
  exp: now() + 600,
  ...extra,
});

beforeAll(async () => {
  capture.start();
  api = await startTestApi({ env: { POWERTOOLS_LOG_LEVEL: 'INFO' } });
});
afterAll(async () => {
  await api.close();
  capture.stop();
  rmSync(otherKeyDir, { recursive: true, force: true });
});

async function token(userId: string): Promise<string> {
  const jwt = await tokenFor(userId);
  usedJwts.push(jwt);
  return jwt;
}

function deviceToken(): string {
  const value = randomBytes(32).toString('hex');
  usedDeviceTokens.push(value);
  return value;
}

async function expect401(jwt: string): Promise<void> {
  usedJwts.push(jwt);
  for (const [method, path] of [
    ['GET', '/v1/devices'],
    ['PUT', '/v1/devices/attacker-phone'],
    ['DELETE', '/v1/devices/victim-phone'],
  ] as const) {
    const res = await api.call(method, path, {
      token: jwt,
      ...(method === 'PUT' ? { body: device(deviceToken()) } : {}),
    });
    expect({
      method,
      status: res.status,
      code: (res.json as { error?: { code?: string } })?.error?.code,
    }).toEqual({
      method,
      status: 401,
      code: 'unauthorized',
    });
  }
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

describe('JWT attacks on the registration API', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])(
    'answers 401 when the token says alg %s without a signature',
    async (alg) => {
      await expect401(`${encode({ alg, typ: 'JWT' })}.${encode(claims())}.`);
    },
  );

  it('answers 401 when the token is HS256 signed with the public key as the HMAC secret', async () => {
    const key = await loadLocalSigningKey();
    const pem = await exportSPKI(key.publicKey as Parameters<typeof exportSPKI>[0]);
    for (const secret of [pem, JSON.stringify(key.publicJwk), `${key.publicJwk.x}`]) {
      const jwt = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'HS256', kid: key.kid })
        .sign(createSecretKey(Buffer.from(secret)));
      await expect401(jwt);
    }
  });

  it('answers 401 when the issuer, the audience or the expiry is wrong', async () => {
    const key = await loadLocalSigningKey();
    const sign = (c: Record<string, unknown>) =>
      new SignJWT(c).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
    await expect401(await sign(claims({ iss: 'https://evil.example' })));
    await expect401(await sign(claims({ aud: 'another-api' })));
    await expect401(await sign(claims({ aud: [] })));
    await expect401(await sign(claims({ exp: now() - 60 })));
    await expect401(await sign(claims({ exp: undefined })));
  });

  it('answers 401 when nbf is in the future beyond the clock tolerance', async () => {
    const key = await loadLocalSigningKey();
    await expect401(
      await new SignJWT(claims({ nbf: now() + 600 }))
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .sign(key.privateKey),
    );
  });

  it('answers 401 when a valid token has its payload tampered with or its signature removed', async () => {
    const genuine = await token('attacker');
    const [header, , signature] = genuine.split('.');
    await expect401(`${header}.${encode(claims({ sub: 'victim' }))}.${signature}`);
    await expect401(`${header}.${genuine.split('.')[1]}.`);
    await expect401(`${header}.${genuine.split('.')[1]}`);
    await expect401(`${encode({ alg: 'ES384', kid: 'x' })}.${genuine.split('.')[1]}.${signature}`);
  });

  it('answers 401 when the subject is missing, empty or not a string', async () => {
    const key = await loadLocalSigningKey();
    for (const sub of [undefined, '', 42, ['victim'], { id: 'victim' }]) {
      await expect401(
        await new SignJWT({ ...claims(), sub } as Record<string, unknown>)
          .setProtectedHeader({ alg: 'ES256', kid: key.kid })
          .sign(key.privateKey),
      );
    }
  });

  it('answers 401 when the token was signed by another key, even one claiming the local kid', async () => {
    const local = await loadLocalSigningKey();
    const attacker = await loadLocalSigningKey(otherKeyDir);
    await expect401(await mintDevToken('victim', { key: attacker }));
    await expect401(
      await new SignJWT(claims())
        .setProtectedHeader({ alg: 'ES256', kid: local.kid })
        .sign(attacker.privateKey),
    );
  });
});

type DeviceList = { devices: Array<{ deviceId: string; voipToken?: string }> };

describe('user isolation through the register Lambda', () => {
  it('never lets user B read or delete user A devices, even with the same device id', async () => {
    const [alice, bob] = await Promise.all([token('iso2-alice'), token('iso2-bob')]);
    const aliceToken = deviceToken();
    expect(
      (await api.call('PUT', '/v1/devices/phone', { token: alice, body: device(aliceToken) })).status,
    ).toBe(200);
    const bobView = (await api.call('GET', '/v1/devices', { token: bob })).json as DeviceList;
    expect(JSON.stringify(bobView)).not.toContain(aliceToken);
    expect((await api.call('DELETE', '/v1/devices/phone', { token: bob })).status).toBe(204);
    expect(
      (await api.call('PUT', '/v1/devices/phone', { token: bob, body: device(deviceToken()) })).status,
    ).toBe(200);
    const aliceView = (await api.call('GET', '/v1/devices', { token: alice })).json as DeviceList;
    expect(aliceView.devices).toEqual([
      expect.objectContaining({ deviceId: 'phone', voipToken: aliceToken }),
    ]);
  });

  it('ignores a userId in the body and files the device under the token subject', async () => {
    const [mallory, victim] = await Promise.all([token('iso2-mallory'), token('iso2-victim')]);
    const res = await api.call('PUT', '/v1/devices/planted', {
      token: mallory,
      body: { ...device(deviceToken()), userId: 'iso2-victim', sub: 'iso2-victim' },
    });
    expect(res.status === 200 || res.status === 400).toBe(true);
    expect(((await api.call('GET', '/v1/devices', { token: victim })).json as DeviceList).devices).toEqual(
      [],
    );
  });

  it('moves a token to its new owner atomically and logs the move with the token hash only', async () => {
    const [alice, bob] = await Promise.all([token('move2-alice'), token('move2-bob')]);
    const shared = deviceToken();
    expect((await api.call('PUT', '/v1/devices/a1', { token: alice, body: device(shared) })).status).toBe(
      200,
    );
    const logBefore = capture.jsonLines().length;
    expect((await api.call('PUT', '/v1/devices/b1', { token: bob, body: device(shared) })).status).toBe(200);
    const aliceView = (await api.call('GET', '/v1/devices', { token: alice })).json as DeviceList;
    expect(JSON.stringify(aliceView)).not.toContain(shared);
    const moves = capture
      .jsonLines()
      .slice(logBefore)
      .filter((l) => l.message === 'token moved');
    expect(moves).toEqual([
      expect.objectContaining({
        kind: 'voip',
        tokenHash: createHash('sha256').update(shared).digest('hex').slice(0, 12),
        fromUserId: 'move2-alice',
        fromDeviceId: 'a1',
        toUserId: 'move2-bob',
        toDeviceId: 'b1',
      }),
    ]);
  });
});

describe('secrets in the logs', () => {
  it('finds no raw device token, JWT or private key material in any line the API and Lambda logged when this file ran', () => {
    const text = capture.text();
    // The scan must have something to scan: the register Lambda logs at INFO here.
    expect(capture.jsonLines().some((l) => l.message === 'device registered')).toBe(true);
    const jwk = JSON.parse(readFileSync(join(DEFAULT_JWT_DIR, 'signing-key.json'), 'utf8')) as { d: string };
    const secrets: KnownSecret[] = [
      ...usedDeviceTokens.map((value, i) => ({ label: `device token ${i}`, value })),
      ...usedJwts.map((value, i) => ({ label: `JWT ${i}`, value })),
      ...usedJwts.map((value, i) => ({ label: `JWT ${i} signature`, value: value.split('.')[2] ?? '' })),
      { label: 'local JWT signing key d', value: jwk.d },
      ...pemSecrets('APNs .p8 key', readFileSync(devKeyPaths.tokenSigningKey, 'utf8')),
      ...pemSecrets('APNs client key', readFileSync(devKeyPaths.clientKey, 'utf8')),
    ];
    expect(usedDeviceTokens.length).toBeGreaterThan(20);
    expect(findSecrets(text, secrets)).toEqual([]);
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}/);
    expect(text).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { base64url, SignJWT } from 'jose';
import { LOCAL_JWT_AUDIENCE, LOCAL_JWT_ISSUER, loadLocalSigningKey, mintDevToken } from '../../local/jwt';
import { startTestApi, type TestApi, tokenFor } from '../support/local-api';

const device = { bundleId: 'com.example.app', environment: 'sandbox', voipToken: '0a'.repeat(32) };
const otherKeyDir = mkdtempSync(join(tmpdir(), 'voip-push-other-key-'));

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});

afterAll(async () => {
  await api.close();
  rmSync(otherKeyDir, { recursive: true, force: true });
});

type ErrorBody = { error: { code: string; message: string } };
type DeviceList = { devices: Array<{ deviceId: string; voipToken?: string }> };

async function expectUnauthorized(authorization: string | undefined): Promise<void> {
  for (const [method, path] of [
    ['GET', '/v1/devices'],
    ['PUT', '/v1/devices/d1'],
    ['DELETE', '/v1/devices/d1'],
  ] as const) {
    const res = await api.call(method, path, {
      ...(method === 'PUT' ? { body: device } : {}),
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(res.status).toBe(401);
    expect((res.json as ErrorBody).error.code).toBe('unauthorized');
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
  }
}

async function signed(claims: Record<string, unknown>): Promise<string> {
  const key = await loadLocalSigningKey();
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: key.kid }).sign(key.privateKey);
}

const now = () => Math.floor(Date.now() / 1000);

describe('registration API over HTTP: authorization', () => {
  it('answers 401 on every route when the Authorization header is missing', async () => {
    await expectUnauthorized(undefined);
  });

  it('answers 401 when the header is malformed', async () => {
    await expectUnauthorized('Token abc');
    await expectUnauthorized('Bearer not-a-jwt');
  });

  it('answers 401 when the token was signed by another key', async () => {
    const other = await loadLocalSigningKey(otherKeyDir);
    await expectUnauthorized(`Bearer ${await mintDevToken('user-a', { key: other })}`);
  });

  it('answers 401 when the token says alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({ sub: 'user-a', iss: LOCAL_JWT_ISSUER, aud: LOCAL_JWT_AUDIENCE, exp: now() + 600 }),
    );
    await expectUnauthorized(`Bearer ${header}.${payload}.`);
  });

  it('answers 401 when the token has expired', async () => {
    await expectUnauthorized(`Bearer ${await mintDevToken('user-a', { ttlSeconds: -120 })}`);
  });

  it('answers 401 when the audience or the issuer is wrong', async () => {
    const base = { sub: 'user-a', exp: now() + 600 };
    await expectUnauthorized(
      `Bearer ${await signed({ ...base, iss: LOCAL_JWT_ISSUER, aud: 'another-api' })}`,
    );
    await expectUnauthorized(
      `Bearer ${await signed({ ...base, iss: 'https://issuer.example', aud: LOCAL_JWT_AUDIENCE })}`,
    );
  });

  it('does not call the handler when the token is rejected', async () => {
    const res = await api.call('PUT', '/v1/devices/d1', { body: { not: 'validated' } });
    expect(res.status).toBe(401);
  });
});

describe('registration API over HTTP: routes', () => {
  it('answers 404 JSON without checking the token when no route matches', async () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/v1/devices/d1'],
      ['POST', '/v1/devices'],
      ['PATCH', '/v1/devices/d1'],
      ['GET', '/v2/devices'],
    ] as const) {
      const res = await api.call(method, path);
      expect(res.status).toBe(404);
      expect((res.json as ErrorBody).error.code).toBe('not_found');
    }
  });
});

describe('registration API over HTTP: isolation between users', () => {
  it('never shows or deletes a device of another user when user B lists or deletes it', async () => {
    const [alice, bob] = await Promise.all([tokenFor('iso-alice'), tokenFor('iso-bob')]);
    expect((await api.call('PUT', '/v1/devices/shared-id', { token: alice, body: device })).status).toBe(200);

    expect((await api.call('GET', '/v1/devices', { token: bob })).json).toEqual({ devices: [] });
    expect((await api.call('DELETE', '/v1/devices/shared-id', { token: bob })).status).toBe(204);

    const aliceList = (await api.call('GET', '/v1/devices', { token: alice })).json as DeviceList;
    expect(aliceList.devices.map((d) => d.deviceId)).toEqual(['shared-id']);
  });

  it('moves a token to the new owner when user B registers a token that user A holds', async () => {
    const [alice, bob] = await Promise.all([tokenFor('move-alice'), tokenFor('move-bob')]);
    const moved = { ...device, voipToken: '7e'.repeat(32) };
    expect((await api.call('PUT', '/v1/devices/a-phone', { token: alice, body: moved })).status).toBe(200);
    expect((await api.call('PUT', '/v1/devices/b-phone', { token: bob, body: moved })).status).toBe(200);

    const aliceList = (await api.call('GET', '/v1/devices', { token: alice })).json as DeviceList;
    expect(aliceList.devices.every((d) => d.voipToken !== moved.voipToken)).toBe(true);
    const bobList = (await api.call('GET', '/v1/devices', { token: bob })).json as DeviceList;
    expect(bobList.devices).toEqual([
      expect.objectContaining({ deviceId: 'b-phone', voipToken: moved.voipToken }),
    ]);
  });
});

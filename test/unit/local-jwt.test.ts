import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { base64url, SignJWT } from 'jose';
import {
  createBearerVerifier,
  LOCAL_JWT_AUDIENCE,
  LOCAL_JWT_ISSUER,
  type LocalSigningKey,
  loadLocalSigningKey,
  mintDevToken,
  verifyBearer,
} from '../../local/jwt';

let dir: string;
let key: LocalSigningKey;
let otherKey: LocalSigningKey;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'voip-push-jwt-'));
  key = await loadLocalSigningKey(join(dir, 'a'));
  otherKey = await loadLocalSigningKey(join(dir, 'b'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function unsigned(claims: Record<string, unknown>): string {
  const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  return `${header}.${base64url.encode(JSON.stringify(claims))}.`;
}

async function expectRejected(authorization: string | undefined): Promise<void> {
  const result = await verifyBearer(authorization, key);
  expect(result.ok).toBe(false);
}

describe('local JWT', () => {
  it('accepts a minted token and returns its claims when signed by the local key', async () => {
    const token = await mintDevToken('user-1', { key });
    const result = await verifyBearer(`Bearer ${token}`, key);
    expect(result).toMatchObject({
      ok: true,
      claims: { sub: 'user-1', iss: LOCAL_JWT_ISSUER, aud: LOCAL_JWT_AUDIENCE },
    });
  });

  it('stores the private key with its kid when first used', async () => {
    const file = JSON.parse(readFileSync(join(dir, 'a', 'signing-key.json'), 'utf8')) as {
      kid: string;
      d?: string;
    };
    expect(file.kid).toBe(key.kid);
    expect(file.d).toBeDefined();
    expect(key.publicJwk).not.toHaveProperty('d');
  });

  it('accepts the scheme in any case when the header says bearer', async () => {
    const token = await mintDevToken('user-1', { key });
    expect((await verifyBearer(`bearer ${token}`, key)).ok).toBe(true);
  });

  it('rejects when the header is missing or not a bearer token', async () => {
    await expectRejected(undefined);
    await expectRejected('');
    await expectRejected('Bearer');
    await expectRejected('Basic dXNlcjpwYXNz');
    await expectRejected('Bearer not.a.jwt');
  });

  it('rejects when the token was signed by another key', async () => {
    await expectRejected(`Bearer ${await mintDevToken('user-1', { key: otherKey })}`);
  });

  it('rejects when the token says alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRejected(
      `Bearer ${unsigned({ sub: 'user-1', iss: LOCAL_JWT_ISSUER, aud: LOCAL_JWT_AUDIENCE, exp: now + 600 })}`,
    );
  });

  it('rejects when the token is HS256-signed with the public key as the secret', async () => {
    const publicPem = createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({
      type: 'spki',
      format: 'pem',
    });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setSubject('user-1')
      .setIssuer(LOCAL_JWT_ISSUER)
      .setAudience(LOCAL_JWT_AUDIENCE)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(String(publicPem)));
    await expectRejected(`Bearer ${token}`);
  });

  it('rejects when the token has expired beyond the clock tolerance', async () => {
    await expectRejected(`Bearer ${await mintDevToken('user-1', { key, ttlSeconds: -60 })}`);
  });

  it('accepts when the token expired within the small clock tolerance', async () => {
    const result = await verifyBearer(`Bearer ${await mintDevToken('user-1', { key, ttlSeconds: -2 })}`, key);
    expect(result.ok).toBe(true);
  });

  it('rejects when the token is not valid yet', async () => {
    const nbf = Math.floor(Date.now() / 1000) + 120;
    await expectRejected(`Bearer ${await mintDevToken('user-1', { key, claims: { nbf } })}`);
  });

  it('rejects when the audience or the issuer is another one', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (iss: string, aud: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: key.kid })
        .setSubject('user-1')
        .setIssuer(iss)
        .setAudience(aud)
        .setExpirationTime(now + 600)
        .sign(key.privateKey);
    await expectRejected(`Bearer ${await sign(LOCAL_JWT_ISSUER, 'someone-else')}`);
    await expectRejected(`Bearer ${await sign('https://evil.example', LOCAL_JWT_AUDIENCE)}`);
  });

  it('rejects when the token has no subject or no expiry', async () => {
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(LOCAL_JWT_ISSUER)
      .setAudience(LOCAL_JWT_AUDIENCE)
      .setExpirationTime('10m')
      .sign(key.privateKey);
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('user-1')
      .setIssuer(LOCAL_JWT_ISSUER)
      .setAudience(LOCAL_JWT_AUDIENCE)
      .sign(key.privateKey);
    await expectRejected(`Bearer ${noSub}`);
    await expectRejected(`Bearer ${noExp}`);
  });
});

describe('local JWT, cached verifier', () => {
  const clock = (startMs: number) => {
    let nowMs = startMs;
    return {
      now: () => nowMs,
      set: (ms: number) => {
        nowMs = ms;
      },
    };
  };

  it('accepts a token again with the same claims when it was accepted before and has not expired', async () => {
    const verify = createBearerVerifier(key);
    const token = await mintDevToken('user-1', { key, claims: { scope: 'devices' } });
    const first = await verify(`Bearer ${token}`);
    const second = await verify(`bearer  ${token} `);
    expect(first).toMatchObject({ ok: true, claims: { sub: 'user-1', scope: 'devices' } });
    expect(second).toEqual(first);
    expect(verify.cachedTokens()).toBe(1);
  });

  it('rejects a remembered token when the clock passes its expiry beyond the tolerance', async () => {
    const time = clock(Date.now());
    const verify = createBearerVerifier(key, { now: time.now });
    const token = await mintDevToken('user-1', { key, ttlSeconds: 60 });
    expect((await verify(`Bearer ${token}`)).ok).toBe(true);
    time.set(Date.now() + 59_000);
    expect((await verify(`Bearer ${token}`)).ok).toBe(true);
    time.set(Date.now() + 70_000);
    expect(await verify(`Bearer ${token}`)).toEqual({
      ok: false,
      message: 'token rejected (ERR_JWT_EXPIRED)',
    });
    expect(verify.cachedTokens()).toBe(0);
  });

  it('serves from the cache only before exp when the token is inside the clock tolerance', async () => {
    const time = clock(Date.now());
    const verify = createBearerVerifier(key, { now: time.now });
    const token = await mintDevToken('user-1', { key, ttlSeconds: 60 });
    await verify(`Bearer ${token}`);
    time.set(Date.now() + 62_000); // past exp, within the 5 s the full check allows
    expect((await verify(`Bearer ${token}`)).ok).toBe(true);
    expect(verify.cachedTokens()).toBe(0);
  });

  it('never remembers a token when verification rejected it', async () => {
    const verify = createBearerVerifier(key);
    const good = await mintDevToken('user-1', { key });
    const [header, payload, signature = ''] = good.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const bad = [
      `${header}.${payload}.${flipped}`,
      await mintDevToken('user-1', { key: otherKey }),
      unsigned({ iss: LOCAL_JWT_ISSUER, aud: LOCAL_JWT_AUDIENCE, sub: 'user-1', exp: 9_999_999_999 }),
      await mintDevToken('user-1', { key, ttlSeconds: -60 }),
    ];
    for (const token of bad) {
      expect((await verify(`Bearer ${token}`)).ok).toBe(false);
      expect((await verify(`Bearer ${token}`)).ok).toBe(false);
    }
    expect(verify.cachedTokens()).toBe(0);
  });

  it('rejects a token until its nbf when it is not valid yet', async () => {
    const time = clock(Date.now());
    const verify = createBearerVerifier(key, { now: time.now });
    const nbf = Math.floor(Date.now() / 1000) + 120;
    const token = await mintDevToken('user-1', { key, claims: { nbf } });
    expect((await verify(`Bearer ${token}`)).ok).toBe(false);
    expect((await verify(`Bearer ${token}`)).ok).toBe(false);
    time.set(nbf * 1000);
    expect((await verify(`Bearer ${token}`)).ok).toBe(true);
  });

  it('keeps at most maxEntries tokens, dropping the least recently used, when more are verified', async () => {
    const verify = createBearerVerifier(key, { maxEntries: 2 });
    const tokens = await Promise.all(['a', 'b', 'c'].map((sub) => mintDevToken(sub, { key })));
    for (const token of tokens) await verify(`Bearer ${token}`);
    expect(verify.cachedTokens()).toBe(2);
    expect(await verify(`Bearer ${tokens[0]}`)).toMatchObject({ ok: true, claims: { sub: 'a' } });
    expect(verify.cachedTokens()).toBe(2);
  });
});

import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { devKeyPaths, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { ProviderTokenSigner } from '../../shared/adapters/apns/provider-token';

const MINUTE = 60_000;
const credential = devTokenCredential();

function clock(start = Date.UTC(2026, 10, 28, 10, 0, 0)) {
  const state = { now: start };
  return { state, now: () => state.now };
}

const jwtOf = (authorization: string): string => authorization.replace(/^bearer /, '');

describe('ProviderTokenSigner', () => {
  it('signs an ES256 JWT that verifies with the public key when minted', async () => {
    const { now } = clock();
    const signer = new ProviderTokenSigner(credential, { now });
    const jwt = jwtOf(signer.authorization());
    const publicKey = createPublicKey(readFileSync(devKeyPaths.tokenPublicKey, 'utf8'));
    const { payload, protectedHeader } = await compactVerify(jwt, publicKey);
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: 'DEVKEY0001' });
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual({
      iss: 'DEVTEAM001',
      iat: Math.floor(now() / 1000),
    });
  });

  it('returns the cached token when asked again within 40 minutes', () => {
    const { state, now } = clock();
    const signer = new ProviderTokenSigner(credential, { now });
    const first = signer.authorization();
    state.now += 39 * MINUTE;
    expect(signer.authorization()).toBe(first);
    expect(decodeProtectedHeader(jwtOf(first)).kid).toBe('DEVKEY0001');
  });

  it('mints a new token when the cached one is 40 minutes old', () => {
    const { state, now } = clock();
    const signer = new ProviderTokenSigner(credential, { now });
    const first = signer.authorization();
    state.now += 40 * MINUTE;
    const second = signer.authorization();
    expect(second).not.toBe(first);
    expect(signer.issuedAt).toBe(state.now);
  });

  it('refuses to renew after ExpiredProviderToken when the token is younger than 20 minutes', () => {
    const { state, now } = clock();
    const signer = new ProviderTokenSigner(credential, { now });
    const first = signer.authorization();
    state.now += 19 * MINUTE;
    expect(signer.renewAfterExpired(first)).toBeUndefined();
    expect(signer.authorization()).toBe(first);
  });

  it('renews after ExpiredProviderToken when the token is at least 20 minutes old', () => {
    const { state, now } = clock();
    const signer = new ProviderTokenSigner(credential, { now });
    const first = signer.authorization();
    state.now += 20 * MINUTE;
    const renewed = signer.renewAfterExpired(first);
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(first);
    expect(signer.authorization()).toBe(renewed);
  });

  it('hands back the current token when the rejected one was already replaced', () => {
    const { state, now } = clock();
    const signer = new ProviderTokenSigner(credential, { now });
    const first = signer.authorization();
    state.now += 25 * MINUTE;
    const renewed = signer.renewAfterExpired(first);
    expect(signer.renewAfterExpired(first)).toBe(renewed);
  });

  it('renews a token older than 55 minutes even when the floor is set longer', () => {
    const { state, now } = clock();
    const signer = new ProviderTokenSigner(credential, {
      now,
      minIntervalMs: 120 * MINUTE,
      refreshAfterMs: 120 * MINUTE,
    });
    const first = signer.authorization();
    state.now += 54 * MINUTE;
    expect(signer.renewAfterExpired(first)).toBeUndefined();
    state.now += 2 * MINUTE;
    expect(signer.renewAfterExpired(first)).not.toBe(first);
  });
});

import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { compactVerify } from 'jose';
import { devFcmPublicKeyPem, devServiceAccountJson } from '../../local/fcm-simulator/dev-credentials';
import {
  type AccessTokenGrant,
  AccessTokenSource,
  FCM_SCOPE,
  type GrantRequest,
} from '../../shared/adapters/fcm/access-token';
import { readGrant, TokenRequestError } from '../../shared/adapters/fcm/token-request';
import type { FcmServiceAccount } from '../../shared/domain/fcm-credential';

const MINUTE = 60_000;
const TOKEN_URI = 'https://127.0.0.1:8443/token';
const account = devServiceAccountJson(TOKEN_URI) as unknown as FcmServiceAccount;

/** A fake token endpoint: records assertions, answers grants in order, can be held or made to fail. */
function fakeEndpoint(lifetimeSeconds = 3600) {
  const assertions: string[] = [];
  const held: Array<() => void> = [];
  const state = { hold: false, fail: undefined as Error | undefined };
  const request: GrantRequest = async (_account, assertion) => {
    assertions.push(assertion);
    if (state.hold) await new Promise<void>((resolve) => held.push(resolve));
    if (state.fail !== undefined) throw state.fail;
    const grant: AccessTokenGrant = {
      accessToken: `ya29.token-${assertions.length}`,
      expiresInSeconds: lifetimeSeconds,
    };
    return grant;
  };
  const release = () => {
    for (const resolve of held.splice(0)) resolve();
  };
  return { assertions, state, request, release };
}

function clock(start = Date.UTC(2026, 10, 28, 10, 0, 0)) {
  const state = { now: start };
  return { state, now: () => state.now };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('AccessTokenSource', () => {
  it('signs an RS256 assertion with kid, iss, scope, aud and a lifetime of one hour when it fetches', async () => {
    const endpoint = fakeEndpoint();
    const { now } = clock();
    await new AccessTokenSource(account, endpoint.request, { now }).get();
    const { payload, protectedHeader } = await compactVerify(
      endpoint.assertions[0] as string,
      createPublicKey(devFcmPublicKeyPem()),
    );
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT', kid: account.private_key_id });
    const iat = Math.floor(now() / 1000);
    expect(JSON.parse(Buffer.from(payload).toString('utf8'))).toEqual({
      iss: account.client_email,
      scope: FCM_SCOPE,
      aud: TOKEN_URI,
      iat,
      exp: iat + 3600,
    });
  });

  it('returns the cached token without a request when asked again before the refresh margin', async () => {
    const endpoint = fakeEndpoint();
    const { state, now } = clock();
    const source = new AccessTokenSource(account, endpoint.request, { now });
    const first = await source.get();
    state.now += 54 * MINUTE;
    expect(source.current()).toBe(first);
    expect(await source.get()).toBe(first);
    expect(endpoint.assertions).toHaveLength(1);
  });

  it('keeps serving the valid token while one background refresh runs when inside the margin', async () => {
    const endpoint = fakeEndpoint();
    const { state, now } = clock();
    const source = new AccessTokenSource(account, endpoint.request, { now });
    const first = await source.get();
    state.now += 56 * MINUTE;
    endpoint.state.hold = true;
    expect(source.current()).toBe(first);
    expect(source.current()).toBe(first);
    expect(endpoint.assertions).toHaveLength(2);
    endpoint.release();
    await settle();
    expect(source.current()).toBe('ya29.token-2');
    expect(source.expiresAt).toBe(now() + 60 * MINUTE);
  });

  it('makes every caller wait for one shared fetch when the token has expired', async () => {
    const endpoint = fakeEndpoint();
    const { state, now } = clock();
    const source = new AccessTokenSource(account, endpoint.request, { now });
    await source.get();
    state.now += 61 * MINUTE;
    expect(source.current()).toBeUndefined();
    endpoint.state.hold = true;
    const waiting = Array.from({ length: 20 }, () => source.get());
    await settle();
    endpoint.release();
    expect(new Set(await Promise.all(waiting))).toEqual(new Set(['ya29.token-2']));
    expect(endpoint.assertions).toHaveLength(2);
  });

  it('fetches once for many concurrent first callers', async () => {
    const endpoint = fakeEndpoint();
    const source = new AccessTokenSource(account, endpoint.request, clock());
    const tokens = await Promise.all(Array.from({ length: 50 }, () => source.get()));
    expect(new Set(tokens).size).toBe(1);
    expect(endpoint.assertions).toHaveLength(1);
  });

  it('keeps the still-valid token and waits before trying again when a background refresh fails', async () => {
    const endpoint = fakeEndpoint();
    const { state, now } = clock();
    const source = new AccessTokenSource(account, endpoint.request, { now, retryAfterFailureMs: 10_000 });
    const first = await source.get();
    state.now += 56 * MINUTE;
    endpoint.state.fail = new TokenRequestError('down', true);
    expect(source.current()).toBe(first);
    await settle();
    expect(source.current()).toBe(first);
    expect(endpoint.assertions).toHaveLength(2);
    state.now += 10_000;
    endpoint.state.fail = undefined;
    expect(source.current()).toBe(first);
    await settle();
    expect(endpoint.assertions).toHaveLength(3);
    expect(source.current()).toBe('ya29.token-3');
  });

  it('rejects the waiting callers and tries again on the next call when a needed fetch fails', async () => {
    const endpoint = fakeEndpoint();
    const source = new AccessTokenSource(account, endpoint.request, clock());
    endpoint.state.fail = new TokenRequestError(
      'the token endpoint answered 400 invalid_grant',
      false,
      400,
      'invalid_grant',
    );
    await expect(Promise.all([source.get(), source.get()])).rejects.toMatchObject({
      oauthError: 'invalid_grant',
    });
    expect(endpoint.assertions).toHaveLength(1);
    endpoint.state.fail = undefined;
    expect(await source.get()).toBe('ya29.token-2');
  });

  it('fetches a new token once for all callers when FCM refused the current one', async () => {
    const endpoint = fakeEndpoint();
    const source = new AccessTokenSource(account, endpoint.request, clock());
    const refused = await source.get();
    const renewed = await Promise.all(Array.from({ length: 10 }, () => source.renewAfterRejection(refused)));
    expect(new Set(renewed)).toEqual(new Set(['ya29.token-2']));
    expect(endpoint.assertions).toHaveLength(2);
    expect(await source.renewAfterRejection(refused)).toBe('ya29.token-2');
    expect(endpoint.assertions).toHaveLength(2);
  });

  it('refreshes halfway through when the granted lifetime is shorter than the margin', async () => {
    const endpoint = fakeEndpoint(120);
    const { state, now } = clock();
    const source = new AccessTokenSource(account, endpoint.request, { now });
    const first = await source.get();
    state.now += 59_000;
    expect(source.current()).toBe(first);
    expect(endpoint.assertions).toHaveLength(1);
    state.now += 1000;
    source.current();
    expect(endpoint.assertions).toHaveLength(2);
  });
});

/** What `read` throws (undefined if it does not). */
function thrownBy(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('readGrant', () => {
  it('reads access_token and expires_in when the answer is 200', () => {
    expect(readGrant(200, '{"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"}')).toEqual({
      accessToken: 'ya29.x',
      expiresInSeconds: 3599,
    });
  });

  it('throws a non-retryable error with the OAuth error when the credential is refused', () => {
    const error = thrownBy(() =>
      readGrant(400, '{"error":"invalid_grant","error_description":"Invalid JWT Signature."}'),
    );
    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({
      status: 400,
      oauthError: 'invalid_grant',
      retryable: false,
      message: 'the token endpoint answered 400 invalid_grant: Invalid JWT Signature.',
    });
  });

  it('throws a retryable error when the endpoint fails or answers 200 without a token', () => {
    expect(thrownBy(() => readGrant(503, '<html>'))).toMatchObject({ status: 503, retryable: true });
    expect(thrownBy(() => readGrant(429, '{}'))).toMatchObject({ status: 429, retryable: true });
    expect(thrownBy(() => readGrant(200, '{"token_type":"Bearer"}'))).toMatchObject({
      retryable: true,
      message: 'the token endpoint answered 200 without an access_token',
    });
  });
});

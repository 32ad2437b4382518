import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { connect } from 'node:http2';
import { request } from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DEV_FCM_CLIENT_EMAIL, devFcmCredential } from '../../local/fcm-simulator/dev-credentials';
import { type FcmSimulator, startFcmSimulator } from '../../local/fcm-simulator/simulator';
import { serviceAccountAssertion } from '../../shared/adapters/fcm/access-token';
import type { FcmServiceAccount } from '../../shared/domain/fcm-credential';
import { fcmToken, ringMessage } from '../fixtures/fcm/messages';

const SEND_PATH = '/v1/projects/voip-push-dev/messages:send';
const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
let simulator: FcmSimulator;
let account: FcmServiceAccount;
let key: KeyObject;

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: Record<string, unknown>;
}

/** One HTTP/1.1 request over TLS to the simulator. */
function http1(path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${simulator.url}${path}`, {
      method: 'POST',
      ca: simulator.caPem,
      headers,
      agent: false,
    });
    req.once('error', reject);
    req.once('response', (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, json: JSON.parse(text) }),
      );
    });
    req.end(body);
  });
}

const tokenRequest = (assertion: string, grantType = GRANT) =>
  http1('/token', new URLSearchParams({ grant_type: grantType, assertion }).toString(), {
    'content-type': 'application/x-www-form-urlencoded',
  });

/** A JWT signed with `signer`, claims as the client makes them unless overridden. */
function assertion(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  signer: KeyObject = key,
): string {
  const iat = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT', kid: account.private_key_id, ...header })}.${encode({
    iss: account.client_email,
    scope: 'https://www.googleapis.com/auth/firebase.messaging',
    aud: simulator.tokenUrl,
    iat,
    exp: iat + 3600,
    ...claims,
  })}`;
  return `${input}.${sign('sha256', Buffer.from(input), signer).toString('base64url')}`;
}

async function accessToken(): Promise<string> {
  const answer = await tokenRequest(serviceAccountAssertion(account, key, Date.now()));
  return answer.json.access_token as string;
}

const sendOverHttp1 = async (body: unknown, token?: string) =>
  http1(SEND_PATH, JSON.stringify(body), {
    'content-type': 'application/json',
    authorization: `Bearer ${token ?? (await accessToken())}`,
  });

beforeAll(async () => {
  simulator = await startFcmSimulator();
  account = devFcmCredential(simulator.tokenUrl).serviceAccount;
  key = createPrivateKey(account.private_key);
});
afterEach(() => simulator.reset());
afterAll(() => simulator.close());

describe('FCM simulator token endpoint', () => {
  it('grants a Bearer access token for an hour when the service-account JWT is valid', async () => {
    const answer = await tokenRequest(serviceAccountAssertion(account, key, Date.now()));
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      access_token: expect.stringMatching(/^ya29\./),
      expires_in: 3599,
      token_type: 'Bearer',
    });
  });

  it('accepts the cloud-platform scope and Google’s own audience when firebase-admin asks with them', async () => {
    const scope =
      'https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email';
    const answer = await tokenRequest(
      assertion({ scope, aud: 'https://oauth2.googleapis.com/token' }, { kid: undefined }),
    );
    expect(answer.status).toBe(200);
  });

  it.each([
    ['a key the account does not have signed it', {}, {}, true, 'invalid_grant', 'Invalid JWT Signature.'],
    ['kid names another key', {}, { kid: 'f'.repeat(40) }, false, 'invalid_grant', 'Invalid JWT Signature.'],
    ['alg is not RS256', {}, { alg: 'HS256' }, false, 'invalid_grant', 'Invalid JWT Signature.'],
    [
      'iss is unknown',
      { iss: 'nobody@example.iam.gserviceaccount.com' },
      {},
      false,
      'invalid_grant',
      'account not found',
    ],
    ['aud is another endpoint', { aud: 'https://example.com/token' }, {}, false, 'invalid_grant', 'audience'],
    ['exp is past', { iat: 1_000_000, exp: 1_003_600 }, {}, false, 'invalid_grant', 'short-lived'],
    [
      'the JWT lives longer than an hour',
      { exp: Math.floor(Date.now() / 1000) + 7200 },
      {},
      false,
      'invalid_grant',
      'short-lived',
    ],
    [
      'scope does not allow sending',
      { scope: 'https://www.googleapis.com/auth/userinfo.email' },
      {},
      false,
      'invalid_scope',
      'scope',
    ],
  ])('refuses the grant when %s', async (_case, claims, header, otherKey, error, description) => {
    const signer = otherKey ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : key;
    const answer = await tokenRequest(assertion(claims, header, signer));
    expect(answer.status).toBe(400);
    expect(answer.json.error).toBe(error);
    expect(answer.json.error_description).toContain(description);
  });

  it('refuses another grant type and a missing assertion', async () => {
    expect((await tokenRequest(assertion(), 'client_credentials')).json.error).toBe('unsupported_grant_type');
    expect((await tokenRequest('')).json.error).toBe('invalid_request');
  });
});

describe('FCM simulator messages:send', () => {
  it('accepts a message over HTTP/1.1 and records it with its protocol', async () => {
    const answer = await sendOverHttp1({ message: ringMessage(fcmToken(2)) });
    expect(answer.status).toBe(200);
    expect(answer.json.name).toMatch(/^projects\/voip-push-dev\/messages\/0:\d+%[0-9a-f]{16}$/);
    expect(simulator.messages()).toEqual([
      expect.objectContaining({
        token: fcmToken(2),
        protocol: 'http/1.1',
        clientEmail: DEV_FCM_CLIENT_EMAIL,
      }),
    ]);
  });

  it('answers validate_only without recording the message', async () => {
    const answer = await sendOverHttp1({ message: ringMessage(), validate_only: true });
    expect(answer.json.name).toBe('projects/voip-push-dev/messages/fake_message_id');
    expect(simulator.messages()).toHaveLength(0);
  });

  it('answers 401 UNAUTHENTICATED without an FcmError when the bearer token is unknown or expired', async () => {
    const unknown = await sendOverHttp1({ message: ringMessage() }, 'ya29.made-up');
    expect(unknown.status).toBe(401);
    expect(unknown.json).toEqual({
      error: expect.objectContaining({ code: 401, status: 'UNAUTHENTICATED' }),
    });
    const token = await accessToken();
    simulator.expireAccessTokens();
    expect((await sendOverHttp1({ message: ringMessage() }, token)).status).toBe(401);
  });

  it.each([
    ['the token has a character FCM never uses', { token: 'abc def' }, undefined, 'INVALID_ARGUMENT'],
    ['the token is longer than 4096', { token: 'a'.repeat(4097) }, undefined, 'INVALID_ARGUMENT'],
    [
      'priority is not NORMAL or HIGH',
      { android: { priority: 'URGENT' } },
      'message.android.priority',
      undefined,
    ],
    ['ttl has no unit', { android: { ttl: '30' } }, 'message.android.ttl', undefined],
    ['ttl is over four weeks', { android: { ttl: '2419201s' } }, 'message.android.ttl', undefined],
    [
      'a data value is not a string',
      { data: { type: 'incoming_call', n: 1 } },
      'message.data[1].value',
      undefined,
    ],
    ['a data key is reserved', { data: { from: 'x' } }, undefined, 'INVALID_ARGUMENT'],
    ['a data key starts with google.', { data: { 'google.x': 'y' } }, undefined, 'INVALID_ARGUMENT'],
    ['the message has an unknown field', { ringtone: 'x' }, 'message.ringtone', undefined],
    ['the payload is over 4096 bytes', { data: { pad: 'x'.repeat(4094) } }, undefined, 'INVALID_ARGUMENT'],
  ])('answers 400 INVALID_ARGUMENT when %s', async (_case, overrides, field, errorCode) => {
    const answer = await sendOverHttp1({ message: { ...ringMessage(), ...overrides } });
    expect(answer.status).toBe(400);
    const error = answer.json.error as { status: string; details?: Array<Record<string, unknown>> };
    expect(error.status).toBe('INVALID_ARGUMENT');
    const details = error.details ?? [];
    if (field !== undefined) {
      expect(details).toContainEqual(
        expect.objectContaining({ fieldViolations: [expect.objectContaining({ field })] }),
      );
    }
    if (errorCode !== undefined) expect(details).toContainEqual(expect.objectContaining({ errorCode }));
    expect(simulator.messages()).toHaveLength(0);
  });

  it('accepts high priority in lower case and a ttl of zero, as FCM does', async () => {
    const answer = await sendOverHttp1({
      message: { ...ringMessage(), android: { priority: 'high', ttl: '0s' } },
    });
    expect(answer.status).toBe(200);
  });

  it('answers 400 when the body is not JSON and 404 when the path is not messages:send', async () => {
    const token = await accessToken();
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    expect((await http1(SEND_PATH, '{"message":', headers)).status).toBe(400);
    expect((await http1('/v1/projects/voip-push-dev/messages:batchSend', '{}', headers)).status).toBe(404);
  });

  it('keeps refusing streams above the last processed one after a GOAWAY fault', async () => {
    const token = await accessToken();
    simulator.setFaults([{ kind: 'goaway', count: 1 }]);
    const session = connect(simulator.url, { ca: simulator.caPem });
    const post = () =>
      new Promise<number>((resolve) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': SEND_PATH,
          authorization: `Bearer ${token}`,
        });
        stream.on('error', () => {});
        stream.on('close', () => resolve(stream.rstCode ?? 0));
        stream.end(JSON.stringify({ message: ringMessage() }));
      });
    try {
      expect(await post()).toBe(7);
      expect(simulator.stats().faults).toEqual({ goaway: 1 });
    } finally {
      session.destroy();
    }
  });
});

describe('FCM simulator control API', () => {
  const control = (path: string, init?: RequestInit) =>
    fetch(`${simulator.controlUrl}${path}`, init).then(async (response) => ({
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
    }));
  const post = (path: string, body?: unknown) =>
    control(path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });

  it('lists only the messages after the first N when asked with since', async () => {
    for (const seed of [1, 2, 3]) await sendOverHttp1({ message: ringMessage(fcmToken(seed)) });
    const { body } = await control('/messages?since=1');
    expect(body.total).toBe(3);
    expect((body.messages as Array<{ token: string }>).map((m) => m.token)).toEqual([
      fcmToken(2),
      fcmToken(3),
    ]);
    const one = await control(`/messages?token=${fcmToken(3)}`);
    expect(one.body.messages).toHaveLength(1);
  });

  it('applies faults set over HTTP with Retry-After when they fire', async () => {
    const set = await post('/faults', {
      faults: [{ kind: 'answer', errorCode: 'UNAVAILABLE', retryAfter: 3, count: 1 }],
    });
    expect(set.status).toBe(200);
    const answer = await sendOverHttp1({ message: ringMessage() });
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBe('3');
    expect((await control('/faults')).body.faults).toEqual([]);
  });

  it('refuses a fault list that names no known kind', async () => {
    const answer = await post('/faults', [{ kind: 'meteor' }]);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('kind must be one of');
  });

  it('marks tokens unregistered, of another project, and registered again over HTTP', async () => {
    const token = fcmToken(11);
    await post(`/tokens/${token}/unregister`);
    expect((await sendOverHttp1({ message: ringMessage(token) })).status).toBe(404);
    await post(`/tokens/${token}/project`, { projectId: 'other' });
    expect((await sendOverHttp1({ message: ringMessage(token) })).status).toBe(403);
    await post(`/tokens/${token}/register`);
    expect((await sendOverHttp1({ message: ringMessage(token) })).status).toBe(200);
  });

  it('expires access tokens, counts requests and resets over HTTP', async () => {
    const token = await accessToken();
    await post('/access-tokens/expire');
    expect((await sendOverHttp1({ message: ringMessage() }, token)).status).toBe(401);
    const stats = (await control('/stats')).body;
    expect(stats).toMatchObject({
      requests: 1,
      tokenRequests: 1,
      accessTokensIssued: 1,
      answers: { '401 UNAUTHENTICATED': 1 },
    });
    await post('/reset');
    expect((await control('/stats')).body).toMatchObject({ requests: 0, tokenRequests: 0 });
    expect((await post('/settings', { maxConcurrentStreams: 0 })).status).toBe(400);
    expect((await control('/health')).body).toEqual({ ok: true });
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DEV_FCM_PROJECT_ID, devFcmCredential } from '../../local/fcm-simulator/dev-credentials';
import { type FcmSimulator, startFcmSimulator } from '../../local/fcm-simulator/simulator';
import { FcmClient } from '../../shared/adapters/fcm/fcm-client';
import type { FcmOutcome } from '../../shared/adapters/fcm/fcm-outcome';
import type { FcmCredential } from '../../shared/domain/fcm-credential';
import { fcmToken, ringMessage } from '../fixtures/fcm/messages';
import { withFcmSimulator } from '../support/fcm-simulator';

let simulator: FcmSimulator;
let client: FcmClient;
let credential: FcmCredential;

const sendMany = (count: number, target: FcmClient = client, using: FcmCredential = credential) =>
  Promise.all(Array.from({ length: count }, (_, i) => target.send(using, ringMessage(fcmToken(i)))));

beforeAll(async () => {
  simulator = await startFcmSimulator({ controlPort: false });
  credential = devFcmCredential(simulator.tokenUrl);
  client = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem, requestTimeoutMs: 1000 });
  await client.send(credential, ringMessage());
  simulator.reset();
});
afterEach(() => simulator.reset());
afterAll(async () => {
  await client.close();
  await simulator.close();
});

describe('FcmClient against the FCM simulator', () => {
  it('returns the message name and FCM records the message when it is accepted', async () => {
    const message = ringMessage(fcmToken(7));
    const outcome = await client.send(credential, message);
    expect(outcome).toMatchObject({ kind: 'accepted', status: 200 });
    const [recorded] = simulator.messages();
    expect(outcome.kind === 'accepted' && outcome.name).toBe(recorded?.name);
    expect(recorded?.name).toMatch(/^projects\/voip-push-dev\/messages\/.+/);
    expect(recorded).toMatchObject({ projectId: DEV_FCM_PROJECT_ID, token: message.token, protocol: 'h2' });
    expect(recorded?.message).toEqual(message);
  });

  it('reuses one session and one access token when many messages are sent', async () => {
    const outcomes = await sendMany(200);
    expect(outcomes.every((outcome) => outcome.kind === 'accepted')).toBe(true);
    expect(simulator.stats()).toMatchObject({ connections: 0, tokenRequests: 0, requests: 200 });
  });

  it('keeps at most the advertised number of streams open when more are in flight', () =>
    withFcmSimulator({ maxConcurrentStreams: 3, latencyMs: 5 }, {}, async (narrow) => {
      const outcomes = await sendMany(40, narrow.client, narrow.credential);
      expect(outcomes.filter((outcome) => outcome.kind === 'accepted')).toHaveLength(40);
      expect(narrow.simulator.stats()).toMatchObject({ maxOpenStreams: 3, requests: 40 });
    }));

  it('keeps at most maxInFlight streams open when the peer allows more', () =>
    withFcmSimulator({ maxConcurrentStreams: 100, latencyMs: 5 }, { maxInFlight: 4 }, async (capped) => {
      const outcomes = await sendMany(40, capped.client, capped.credential);
      expect(outcomes.every((outcome) => outcome.kind === 'accepted')).toBe(true);
      expect(capped.simulator.stats().maxOpenStreams).toBe(4);
    }));

  it('answers UNREGISTERED 404 when FCM knows the token as dead', async () => {
    simulator.unregisterToken(fcmToken(3));
    expect(await client.send(credential, ringMessage(fcmToken(3)))).toMatchObject({
      kind: 'rejected',
      status: 404,
      errorCode: 'UNREGISTERED',
      grpcStatus: 'NOT_FOUND',
    });
  });

  it('answers INVALID_ARGUMENT naming the token when the token is malformed', async () => {
    const outcome = await client.send(credential, ringMessage('not a token!'));
    expect(outcome).toMatchObject({ kind: 'rejected', status: 400, errorCode: 'INVALID_ARGUMENT' });
    expect(outcome.kind === 'rejected' && outcome.message).toContain('registration token');
  });

  it('answers INVALID_ARGUMENT naming the field when the message is malformed', async () => {
    const outcome = await client.send(
      credential,
      ringMessage(fcmToken(1), { android: { priority: 'HIGH', ttl: '30' } }),
    );
    expect(outcome).toMatchObject({
      kind: 'rejected',
      status: 400,
      errorCode: 'INVALID_ARGUMENT',
      fieldViolations: ['message.android.ttl'],
    });
  });

  it('answers SENDER_ID_MISMATCH 403 when the token belongs to another project', async () => {
    simulator.assignTokenToProject(fcmToken(4), 'another-project');
    expect(await client.send(credential, ringMessage(fcmToken(4)))).toMatchObject({
      kind: 'rejected',
      status: 403,
      errorCode: 'SENDER_ID_MISMATCH',
      grpcStatus: 'PERMISSION_DENIED',
    });
  });

  it('answers PERMISSION_DENIED 403 when the service account sends for a project it does not belong to', async () => {
    const other: FcmCredential = {
      ...credential,
      serviceAccount: { ...credential.serviceAccount, project_id: 'someone-elses' },
    };
    expect(await client.send(other, ringMessage())).toMatchObject({
      kind: 'rejected',
      status: 403,
      errorCode: 'PERMISSION_DENIED',
    });
  });

  it.each([
    ['QUOTA_EXCEEDED', 429, 'RESOURCE_EXHAUSTED'],
    ['UNAVAILABLE', 503, 'UNAVAILABLE'],
    ['INTERNAL', 500, 'INTERNAL'],
    ['THIRD_PARTY_AUTH_ERROR', 401, 'UNAUTHENTICATED'],
  ])('answers %s %i without a resend when FCM answers it', async (errorCode, status, grpcStatus) => {
    simulator.setFaults([{ kind: 'answer', errorCode, count: 1 }]);
    expect(await client.send(credential, ringMessage())).toMatchObject({
      kind: 'rejected',
      status,
      errorCode,
      grpcStatus,
    });
    expect(simulator.stats()).toMatchObject({ requests: 1, tokenRequests: 0 });
  });

  it('reads Retry-After in seconds when a 429 carries it', async () => {
    simulator.setFaults([{ kind: 'answer', errorCode: 'QUOTA_EXCEEDED', retryAfter: 12, count: 1 }]);
    expect(await client.send(credential, ringMessage())).toMatchObject({
      errorCode: 'QUOTA_EXCEEDED',
      retryAfterMs: 12_000,
    });
  });

  it('reads Retry-After as an HTTP date when a 503 carries one', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    simulator.setFaults([{ kind: 'answer', errorCode: 'UNAVAILABLE', retryAfter: at, count: 1 }]);
    const outcome = await client.send(credential, ringMessage());
    expect(outcome).toMatchObject({ kind: 'rejected', status: 503 });
    const delay = outcome.kind === 'rejected' ? (outcome.retryAfterMs ?? 0) : 0;
    expect(delay).toBeGreaterThan(27_000);
    expect(delay).toBeLessThanOrEqual(30_000);
  });

  it('refreshes the access token once and resends when the token has expired', async () => {
    simulator.expireAccessTokens();
    const outcome = await client.send(credential, ringMessage(fcmToken(5)));
    expect(outcome).toMatchObject({ kind: 'accepted' });
    expect(simulator.stats()).toMatchObject({ requests: 2, tokenRequests: 1, accessTokensIssued: 1 });
    expect(simulator.stats().answers).toEqual({ '401 UNAUTHENTICATED': 1, '200 OK': 1 });
    expect(simulator.messages().map((message) => message.token)).toEqual([fcmToken(5)]);
  });

  it('renews the access token before it expires, with no 401, when its lifetime runs out', () =>
    withFcmSimulator(
      { accessTokenLifetimeSeconds: 2 },
      {},
      async ({ simulator: shortLived, client: renewing, credential: dev }) => {
        expect(await renewing.send(dev, ringMessage())).toMatchObject({ kind: 'accepted' });
        // Past half of a lifetime shorter than the refresh margin: the next send starts the renewal.
        await new Promise((resolve) => setTimeout(resolve, 1100));
        expect(await renewing.send(dev, ringMessage())).toMatchObject({ kind: 'accepted' });
        await waitFor(() => shortLived.stats().accessTokensIssued === 2);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        expect(await renewing.send(dev, ringMessage())).toMatchObject({ kind: 'accepted' });
        expect(shortLived.stats().answers).toEqual({ '200 OK': 3 });
      },
    ));

  it('shares one refresh among concurrent sends when FCM refuses their token', async () => {
    simulator.expireAccessTokens();
    const outcomes = await sendMany(30);
    expect(outcomes.every((outcome) => outcome.kind === 'accepted')).toBe(true);
    expect(simulator.stats()).toMatchObject({ tokenRequests: 1, requests: 60 });
  });

  it('returns the 401 after exactly one refresh and resend when FCM refuses the new token too', async () => {
    simulator.setFaults([{ kind: 'answer', status: 401, count: 2 }]);
    const outcome = await client.send(credential, ringMessage());
    expect(outcome).toMatchObject({ kind: 'rejected', status: 401, errorCode: 'UNAUTHENTICATED' });
    expect(simulator.stats()).toMatchObject({ requests: 2, tokenRequests: 1 });
  });

  it('returns a token error naming the OAuth error, nothing sent, when the token endpoint refuses the JWT', async () => {
    const fresh = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem });
    simulator.setFaults([
      { kind: 'token-answer', status: 400, error: 'invalid_grant', description: 'Invalid JWT Signature.' },
    ]);
    try {
      expect(await fresh.send(credential, ringMessage())).toMatchObject({
        kind: 'token-error',
        status: 400,
        oauthError: 'invalid_grant',
        retryable: false,
      });
      expect(simulator.stats().requests).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('returns a retryable token error when the token endpoint does not answer in time', async () => {
    const fresh = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem, tokenRequestTimeoutMs: 200 });
    simulator.setFaults([{ kind: 'token-hang', count: 1 }]);
    try {
      const outcome = await fresh.send(credential, ringMessage());
      expect(outcome).toMatchObject({ kind: 'token-error', retryable: true });
      expect(outcome.kind === 'token-error' && outcome.message).toContain('200 ms');
      expect(await fresh.send(credential, ringMessage())).toMatchObject({ kind: 'accepted' });
    } finally {
      await fresh.close();
    }
  });

  it('gets a token that the real token endpoint would check when the simulator verifies the JWT', async () => {
    const fresh = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem });
    const tampered: FcmCredential = {
      ...credential,
      serviceAccount: { ...credential.serviceAccount, client_email: 'someone@else.iam.gserviceaccount.com' },
    };
    try {
      expect(await fresh.send(tampered, ringMessage())).toMatchObject({
        kind: 'token-error',
        oauthError: 'invalid_grant',
      });
    } finally {
      await fresh.close();
    }
  });

  it('fails as closed without sending when the client was closed', async () => {
    const closing = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem });
    await closing.close();
    const outcome: FcmOutcome = await closing.send(credential, ringMessage());
    expect(outcome).toMatchObject({ kind: 'transport-error', error: 'closed', maybeDelivered: false });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

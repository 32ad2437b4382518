import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import {
  DEV_KEY_ID,
  DEV_TEAM_ID,
  devPemCredential,
  devPkcs12Credential,
  devTokenCredential,
} from '../../local/apns-simulator/dev-credentials';
import { type ApnsSimulator, startApnsSimulator } from '../../local/apns-simulator/simulator';
import { ApnsClient } from '../../shared/adapters/apns/apns-client';
import type { PemCertificateCredential, TokenCredential } from '../../shared/domain/apns-credential';
import { deviceToken, fixturePem, voipPush } from '../fixtures/apns/push-request';

const token = devTokenCredential();
const pem = devPemCredential();
const pkcs12 = devPkcs12Credential();
let simulator: ApnsSimulator;
let client: ApnsClient;

beforeAll(async () => {
  simulator = await startApnsSimulator({ controlPort: false, bundles: ['com.example.voip'] });
  client = new ApnsClient({ endpoint: simulator.url, ca: simulator.caPem, requestTimeoutMs: 2000 });
});
afterAll(async () => {
  await client.close();
  await simulator.close();
});
beforeEach(() => simulator.reset());

describe('ApnsClient against the simulator', () => {
  it('delivers a VoIP push with the APNs headers when the credential is token auth', async () => {
    const request = voipPush({ token: deviceToken(1), collapseId: 'call-1', expiration: 1_900_000_000 });
    const outcome = await client.send(token, request);
    expect(outcome).toMatchObject({ kind: 'accepted', status: 200, apnsId: request.apnsId });
    const [push] = simulator.pushes();
    expect(push).toMatchObject({
      token: deviceToken(1),
      auth: 'token',
      payload: { type: 'incoming_call', callId: 'c-1' },
      headers: {
        'apns-push-type': 'voip',
        'apns-topic': 'com.example.voip.voip',
        'apns-priority': '10',
        'apns-expiration': '1900000000',
        'apns-id': request.apnsId,
        'apns-collapse-id': 'call-1',
      },
    });
  });

  it('delivers with a client certificate when the credential is a PEM pair', async () => {
    expect(await client.send(pem, voipPush())).toMatchObject({ kind: 'accepted' });
    expect(simulator.pushes()[0]?.auth).toBe('certificate');
  });

  it('delivers with a client certificate when the credential is PKCS#12', async () => {
    expect(await client.send(pkcs12, voipPush())).toMatchObject({ kind: 'accepted' });
    expect(simulator.pushes()[0]?.auth).toBe('certificate');
  });

  it('reports days left when the credential is a certificate, in either form', () => {
    const now = new Date('2026-11-28T00:00:00Z');
    const days = client.certificateDaysLeft(pem, now);
    expect(days).toBeGreaterThan(3650);
    expect(client.certificateDaysLeft(pkcs12, now)).toBe(days);
    expect(client.certificateDaysLeft(token, now)).toBeUndefined();
  });

  it('reuses one connection when many pushes are sent with the same credential', async () => {
    const fresh = new ApnsClient({ endpoint: simulator.url, ca: simulator.caPem });
    try {
      const burst = Array.from({ length: 200 }, (_, i) =>
        fresh.send(token, voipPush({ token: deviceToken(i) })),
      );
      const outcomes = await Promise.all(burst);
      for (let i = 0; i < 20; i++) outcomes.push(await fresh.send({ ...token }, voipPush()));
      expect(outcomes.every((outcome) => outcome.kind === 'accepted')).toBe(true);
      expect(simulator.stats().connections).toBe(1);
      expect(simulator.pushes()).toHaveLength(220);
    } finally {
      await fresh.close();
    }
  });

  it.each([
    ['a token that is not hex', { token: 'zz'.repeat(32) }, 400, 'BadDeviceToken'],
    ['a token that is too short', { token: 'abcd' }, 400, 'BadDeviceToken'],
    ['an unknown push type', { pushType: 'bogus' }, 400, 'InvalidPushType'],
    ['a VoIP push to the alert topic', { topic: 'com.example.voip' }, 400, 'DeviceTokenNotForTopic'],
    ['an alert push to the VoIP topic', { pushType: 'alert' }, 400, 'DeviceTokenNotForTopic'],
    ['a VoIP topic without the .voip suffix', { topic: 'com.example.app' }, 400, 'DeviceTokenNotForTopic'],
    ['a malformed topic', { topic: 'not a topic' }, 400, 'BadTopic'],
    ['a topic of an unknown bundle', { topic: 'com.example.other.voip' }, 400, 'TopicDisallowed'],
    ['priority 7', { priority: 7 }, 400, 'BadPriority'],
    ['a negative expiration', { expiration: -1 }, 400, 'BadExpirationDate'],
    ['an apns-id that is not a UUID', { apnsId: 'call-1' }, 400, 'BadMessageId'],
    ['a collapse id over 64 bytes', { collapseId: 'x'.repeat(65) }, 400, 'BadCollapseId'],
    ['an empty payload', { payload: '' }, 400, 'PayloadEmpty'],
    ['a VoIP payload over 5120 bytes', { payload: `"${'x'.repeat(5119)}"` }, 413, 'PayloadTooLarge'],
  ])('returns rejected with the reason when the request has %s', async (_, overrides, status, reason) => {
    const outcome = await client.send(token, voipPush(overrides));
    expect(outcome).toMatchObject({ kind: 'rejected', status, reason });
    expect(simulator.pushes()).toHaveLength(0);
  });

  it('accepts a VoIP payload of exactly 5120 bytes when it is at the limit', async () => {
    expect(await client.send(token, voipPush({ payload: `"${'x'.repeat(5118)}"` }))).toMatchObject({
      kind: 'accepted',
    });
  });

  it('returns 410 Unregistered with the timestamp when the token was unregistered', async () => {
    simulator.unregisterToken(deviceToken(7), 1_764_324_000_000);
    const outcome = await client.send(token, voipPush({ token: deviceToken(7) }));
    expect(outcome).toMatchObject({
      kind: 'rejected',
      status: 410,
      reason: 'Unregistered',
      timestamp: 1_764_324_000_000,
    });
    simulator.registerToken(deviceToken(7));
    expect(await client.send(token, voipPush({ token: deviceToken(7) }))).toMatchObject({ kind: 'accepted' });
  });

  it('returns InvalidProviderToken when the signing key is unknown to APNs', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const unknown: TokenCredential = {
      ...token,
      keyId: 'OTHERKEY01',
      signingKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    };
    expect(await client.send(unknown, voipPush())).toMatchObject({
      kind: 'rejected',
      status: 403,
      reason: 'InvalidProviderToken',
    });
  });

  it('returns InvalidProviderToken when the team id does not own the key', async () => {
    const wrongTeam: TokenCredential = { ...token, teamId: 'OTHERTEAM1' };
    expect(await client.send(wrongTeam, voipPush())).toMatchObject({
      status: 403,
      reason: 'InvalidProviderToken',
    });
  });

  it('returns BadCertificate when the client certificate was not issued by the CA', async () => {
    const untrusted: PemCertificateCredential = {
      bundleId: 'com.example.voip',
      auth: 'certificate',
      certificate: fixturePem('untrusted-client.pem'),
      privateKey: fixturePem('untrusted-client.key'),
    };
    expect(await client.send(untrusted, voipPush())).toMatchObject({ status: 403, reason: 'BadCertificate' });
  });

  it('returns BadCertificate when the certificate names another bundle', async () => {
    const other: PemCertificateCredential = {
      bundleId: 'com.example.voip',
      auth: 'certificate',
      certificate: fixturePem('other-bundle-client.pem'),
      privateKey: fixturePem('other-bundle-client.key'),
    };
    expect(await client.send(other, voipPush())).toMatchObject({ status: 403, reason: 'BadCertificate' });
  });

  it('retries once with a new JWT when APNs answers ExpiredProviderToken', async () => {
    const clock = { offsetMs: -2 * 3_600_000 };
    const expiring = new ApnsClient({
      endpoint: simulator.url,
      ca: simulator.caPem,
      providerToken: { now: () => Date.now() + clock.offsetMs },
    });
    try {
      const first = expiring.send(token, voipPush());
      clock.offsetMs = 0;
      expect(await first).toMatchObject({ kind: 'accepted' });
      expect(simulator.stats().answers).toEqual({ '403 ExpiredProviderToken': 1, '200 OK': 1 });
    } finally {
      await expiring.close();
    }
  });

  it('gives up without minting again when a fresh JWT is answered ExpiredProviderToken', async () => {
    const strict = await startApnsSimulator({ controlPort: false, tokenMaxAgeMs: -60_000 });
    const strictClient = new ApnsClient({ endpoint: strict.url, ca: strict.caPem });
    try {
      expect(await strictClient.send(token, voipPush())).toMatchObject({
        status: 403,
        reason: 'ExpiredProviderToken',
      });
      expect(strict.stats().requests).toBe(1);
    } finally {
      await strictClient.close();
      await strict.close();
    }
  });

  it('answers TooManyProviderTokenUpdates when one connection changes its JWT too often', async () => {
    const clock = { now: Date.now() };
    const eager = new ApnsClient({
      endpoint: simulator.url,
      ca: simulator.caPem,
      providerToken: { now: () => clock.now, refreshAfterMs: 1000, minIntervalMs: 1000 },
    });
    try {
      expect(await eager.send(token, voipPush())).toMatchObject({ kind: 'accepted' });
      clock.now += 1000;
      expect(await eager.send(token, voipPush())).toMatchObject({
        status: 429,
        reason: 'TooManyProviderTokenUpdates',
      });
    } finally {
      await eager.close();
    }
  });

  it('answers BadDeviceToken without sending when the token is not hex', async () => {
    const badToken = 'ab\r\nx-leak: secret-device-token';
    const outcome = await client.send(token, voipPush({ token: badToken }));
    expect(outcome).toMatchObject({ kind: 'rejected', status: 400, reason: 'BadDeviceToken' });
    expect(JSON.stringify(outcome)).not.toContain('secret-device-token');
    expect(simulator.stats().requests).toBe(0);
  });

  it('never puts the device token in a message when the push fails', async () => {
    const secretToken = deviceToken(0xdeadbeef);
    const unreachable = new ApnsClient({ endpoint: 'https://127.0.0.1:1', connectTimeoutMs: 500 });
    try {
      const outcome = await unreachable.send(token, voipPush({ token: secretToken }));
      expect(outcome).toMatchObject({ kind: 'transport-error', error: 'connect', maybeDelivered: false });
      expect(JSON.stringify(outcome)).not.toContain(secretToken);
      expect(JSON.stringify(outcome)).not.toContain('PRIVATE KEY');
    } finally {
      await unreachable.close();
    }
  });
});

describe('DEV credentials', () => {
  it('name the dev team and key when loaded', () => {
    expect(token).toMatchObject({ teamId: DEV_TEAM_ID, keyId: DEV_KEY_ID, bundleId: 'com.example.voip' });
  });
});

import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { devPemCredential, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { SecretsCredentialProvider } from '../../shared/adapters/secrets-credential-provider';
import { MemoryLogSink } from '../fakes/memory-telemetry';
import { SenderHarness } from './sender-harness';

/**
 * The APNs credential rotated in Secrets Manager while the sender is warm (no local Secrets Manager
 * exists, so the SDK client is mocked; everything else is real). No call may be lost or rung twice.
 */
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:apns-com.example.voip';
const secretsMock = mockClient(SecretsManagerClient);
let harness: SenderHarness | undefined;
let secretValue: string;
let secretDown = false;

beforeEach(() => {
  secretsMock.reset();
  secretValue = JSON.stringify(devTokenCredential());
  secretDown = false;
  secretsMock.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).callsFake(async () => {
    if (secretDown) throw Object.assign(new Error('service unavailable'), { name: 'InternalServiceError' });
    return { ARN: SECRET_ARN, SecretString: secretValue };
  });
});
afterEach(async () => {
  // No raw device token, key material or JWT in anything the sender logged during the test.
  expect(harness?.secretFindings() ?? []).toEqual([]);
  await harness?.close();
  harness = undefined;
});

const USERS = ['k-a', 'k-b'];

async function start(name: string, maxAgeSeconds: number): Promise<SenderHarness> {
  harness = await SenderHarness.start({
    name,
    visibilityTimeoutSeconds: 1,
    credentials: (apns) =>
      new SecretsCredentialProvider({
        secretIds: [SECRET_ARN],
        maxAgeSeconds,
        log: new MemoryLogSink(),
        apns,
        secrets: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({ region: 'us-east-1' }) }),
      }),
  });
  await harness.seedDevices(USERS, 2);
  return harness;
}

const authsOf = (h: SenderHarness, from: number) =>
  new Set(
    h.simulator
      .pushes()
      .slice(from)
      .map((p) => p.auth),
  );

describe('sender with a rotated APNs credential', () => {
  it('sends the next batch with the new credential and loses nothing when the secret is rotated between batches', async () => {
    const h = await start('rotation-expiry', 1);
    const sender = h.newSender();
    h.capture.start();
    try {
      await h.publish([0, 1, 2].map(() => JSON.stringify(h.callEvent(USERS))));
      await h.drain(10_000, sender);
      expect(authsOf(h, 0)).toEqual(new Set(['token']));
      secretValue = JSON.stringify(devPemCredential());
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await h.publish([0, 1, 2].map(() => JSON.stringify(h.callEvent(USERS))));
      await h.drain(10_000, sender);
    } finally {
      h.capture.stop();
    }
    expect(authsOf(h, 12)).toEqual(new Set(['certificate']));
    const report = await h.conservation();
    expect(report.violations).toEqual([]);
    expect(report.counts.delivered).toBe(24);
  });

  it('reloads the secret on a 403 and retries once with the rotated credential when the cache still holds the old one', async () => {
    const h = await start('rotation-403', 300);
    const sender = h.newSender();
    h.capture.start();
    try {
      await h.publish([JSON.stringify(h.callEvent(['k-a']))]);
      await h.drain(10_000, sender);
      secretValue = JSON.stringify(devPemCredential());
      // The revoked key's first use answers 403; the cached credential is the old one.
      h.simulator.setFaults([{ kind: 'answer', status: 403, reason: 'InvalidProviderToken', count: 1 }]);
      await h.publish([JSON.stringify({ ...h.callEvent(['k-b']) })]);
      await h.drain(10_000, sender);
    } finally {
      h.capture.stop();
    }
    const report = await h.conservation();
    expect(report.violations).toEqual([]);
    expect(report.counts.delivered).toBe(4);
    expect(h.simulator.stats().answers['403 InvalidProviderToken']).toBe(1);
    expect(authsOf(h, 2).has('certificate')).toBe(true);
  });

  it('leaves the calls for a redelivery and then rings each device once when Secrets Manager is unreachable', async () => {
    const h = await start('secrets-down', 0);
    secretDown = true;
    h.capture.start();
    try {
      await h.publish([0, 1].map(() => JSON.stringify(h.callEvent(USERS))));
      const sender = h.newSender();
      await h.drain(1500, sender);
      expect(h.simulator.pushes()).toHaveLength(0);
      secretDown = false;
      await h.drain(10_000, sender);
    } finally {
      h.capture.stop();
    }
    const report = await h.conservation();
    expect(report.violations).toEqual([]);
    expect(report.counts.delivered).toBe(8);
  });
});

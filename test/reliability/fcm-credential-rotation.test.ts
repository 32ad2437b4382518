import { generateKeyPairSync } from 'node:crypto';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DEV_ANDROID_PACKAGE,
  DEV_FCM_CLIENT_EMAIL,
  DEV_FCM_PROJECT_ID,
  devServiceAccountJson,
  devSimulatedServiceAccount,
} from '../../local/fcm-simulator/dev-credentials';
import type { SimulatedServiceAccount } from '../../local/fcm-simulator/oauth';
import { type FcmSimulator, startFcmSimulator } from '../../local/fcm-simulator/simulator';
import { FcmClient } from '../../shared/adapters/fcm/fcm-client';
import { SecretsCredentialProvider } from '../../shared/adapters/secrets-credential-provider';
import type { Device } from '../../shared/domain/device';
import { MetricName } from '../../shared/platform/metric-names';
import { fanOutCall } from '../../shared/use-cases/fan-out-call';
import { aDevice, FakeDeviceRepository } from '../fakes/fake-device-repository';
import { MemoryLogSink, MemoryMetricsSink } from '../fakes/memory-telemetry';
import { fcmToken } from '../fixtures/fcm/messages';
import { aCallEvent } from '../kit/call-events';
import { fanOutDeps } from '../kit/sender-deps';

/**
 * The FCM service-account key rotated in Secrets Manager while the sender is warm: the same provider,
 * FCM client and gateway go on ringing with the new key, no restart. Secrets Manager is mocked (there
 * is no local one); FCM and its token endpoint are the simulator.
 */
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:fcm-com.example.voip';
const secretsMock = mockClient(SecretsManagerClient);
let secretValue: string;
let simulator: FcmSimulator | undefined;
let client: FcmClient | undefined;

/** A new RSA key for the service account: its secret JSON and the simulator's view of it. */
function newKey(keyId: string, clientEmail = DEV_FCM_CLIENT_EMAIL) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const simulated: SimulatedServiceAccount = {
    clientEmail,
    projectId: DEV_FCM_PROJECT_ID,
    privateKeyId: keyId,
    publicKey,
  };
  const account = { private_key_id: keyId, private_key: privateKey, client_email: clientEmail };
  return { simulated, account, keyBody: privateKey.split('\n')[1] as string };
}

const secretOf = (tokenUri: string, account: Record<string, unknown> = {}) =>
  JSON.stringify({
    bundleId: DEV_ANDROID_PACKAGE,
    auth: 'fcm',
    serviceAccount: { ...devServiceAccountJson(tokenUri), ...account },
  });

beforeEach(() => {
  secretsMock.reset();
  secretsMock
    .on(GetSecretValueCommand, { SecretId: SECRET_ARN })
    .callsFake(async () => ({ ARN: SECRET_ARN, SecretString: secretValue }));
});
afterEach(async () => {
  await client?.close();
  await simulator?.close();
  client = undefined;
  simulator = undefined;
});

/** A warm sender: the simulator knowing `accounts`, one FCM client, the Secrets Manager provider. */
async function warmSender(accounts: readonly SimulatedServiceAccount[], maxAgeSeconds: number) {
  simulator = await startFcmSimulator({ controlPort: false, serviceAccounts: accounts });
  client = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem, requestTimeoutMs: 2000 });
  const log = new MemoryLogSink();
  const metrics = new MemoryMetricsSink();
  const credentials = new SecretsCredentialProvider({
    secretIds: [SECRET_ARN],
    maxAgeSeconds,
    log,
    minRefreshIntervalMs: 0,
    secrets: new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({ region: 'us-east-1' }) }),
  });
  const device: Device = {
    ...aDevice({ userId: 'user-1', bundleId: DEV_ANDROID_PACKAGE }),
    platform: 'android',
    voipToken: undefined,
    alertToken: undefined,
    environment: undefined,
    fcmToken: fcmToken(42),
  };
  const deps = fanOutDeps({
    devices: new FakeDeviceRepository([device]),
    fcm: client,
    credentials,
    log,
    metrics,
  });
  const ring = async (callId: string) => {
    const event = aCallEvent({ callId, createdAt: new Date().toISOString() });
    const result = await fanOutCall(deps, event, { queueDelayMs: 1 });
    return result.kind === 'done' ? result.outcomes[0] : undefined;
  };
  return { sim: simulator, credentials, log, metrics, ring };
}

describe('sender with a rotated FCM service-account key', () => {
  it('reads the secret again and rings with the new key, once, when the token endpoint refuses the revoked one', async () => {
    const rotated = newKey('rotated-key-2');
    // Google knows only the new key: the old one was revoked when the key was rotated.
    const h = await warmSender([rotated.simulated], 300);
    secretValue = secretOf(h.sim.tokenUrl);
    expect(await h.credentials.get(DEV_ANDROID_PACKAGE, 'android')).toBeDefined();
    secretValue = secretOf(h.sim.tokenUrl, rotated.account);

    const outcome = await h.ring('call-1');
    expect(outcome).toMatchObject({ outcome: 'delivered', attempts: 2 });
    expect(h.sim.stats()).toMatchObject({ tokenRequests: 2, accessTokensIssued: 1, requests: 1 });
    expect(h.sim.messages().map((m) => m.token)).toEqual([fcmToken(42)]);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    // The refusal is counted once (the credential alarm), then the new key cures it.
    expect(h.metrics.sum(MetricName.FcmAuthError)).toBe(1);
    expect(JSON.stringify(h.log.lines)).not.toContain(rotated.keyBody);
  });

  it('rings the next call with the new key, without a refusal, when the cache period passes after the rotation', async () => {
    const rotated = newKey('rotated-key-2', `rotated@${DEV_FCM_PROJECT_ID}.iam.gserviceaccount.com`);
    const h = await warmSender([devSimulatedServiceAccount(), rotated.simulated], 1);
    secretValue = secretOf(h.sim.tokenUrl);
    expect(await h.ring('call-1')).toMatchObject({ outcome: 'delivered', attempts: 1 });

    secretValue = secretOf(h.sim.tokenUrl, rotated.account);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await h.ring('call-2')).toMatchObject({ outcome: 'delivered', attempts: 1 });

    expect(h.sim.messages().map((m) => m.clientEmail)).toEqual([
      DEV_FCM_CLIENT_EMAIL,
      rotated.simulated.clientEmail,
    ]);
    expect(h.sim.stats().answers).toEqual({ '200 OK': 2 });
    expect(h.metrics.sum(MetricName.FcmAuthError)).toBe(0);
  });

  it('fails the push with the credential alarm, never a crash, when the rotated secret is malformed', async () => {
    const h = await warmSender([newKey('rotated-key-2').simulated], 300);
    secretValue = secretOf(h.sim.tokenUrl);
    await h.credentials.get(DEV_ANDROID_PACKAGE, 'android');
    secretValue = secretOf(h.sim.tokenUrl, { private_key: 'not a key' });

    const outcome = await h.ring('call-1');
    expect(outcome).toMatchObject({ outcome: 'failed', reason: 'oauth_token_refused', attempts: 1 });
    expect(h.sim.stats().requests).toBe(0);
    expect(h.metrics.sum(MetricName.FcmAuthError)).toBe(1);
    expect(h.log.withMessage('malformed push credential secret skipped')[0]?.data.problems).toEqual(
      expect.arrayContaining([expect.stringContaining('serviceAccount.private_key')]),
    );
  });
});

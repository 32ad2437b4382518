import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { mintDevToken } from '../../local/jwt';
import type { LogRecord } from '../../local/log-lines';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { aCallBody } from '../kit/call-events';
import { stackSqsClient, startTappedStack } from '../support/local-stack';

/**
 * The local stack runs the functions as `cdk deploy` ships them: the bundles `cdk synth` builds, in
 * execution environments of their own, with the template's environment. Here for a developer's own
 * credential file (an app other than the dev one): the app list is synthesized from it, so the
 * template's KNOWN_APPS names it and its credential is a secret in the local Secrets Manager, which is
 * where the sender bundle reads it (it is given no credential file).
 */
const dir = mkdtempSync(join(tmpdir(), 'voip-push-bundles-'));
const credentialsFile = join(dir, 'apns.json');
writeFileSync(credentialsFile, JSON.stringify(devTokenCredential('com.example.other')), { mode: 0o600 });

let started: Awaited<ReturnType<typeof startTappedStack>> | undefined;
let stack: LocalStack;
let records: LogRecord[];
beforeAll(async () => {
  started = await startTappedStack({ PHONE_RECEIPTS: 'off', APNS_CREDENTIALS_FILE: credentialsFile });
  ({ stack, records } = started);
}, 120_000);
afterAll(async () => {
  await started?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function register(deviceId: string, bundleId: string, voipToken: string) {
  return fetch(`${stack.info.apiUrl}/v1/devices/${deviceId}`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${await mintDevToken('bundle-user')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ bundleId, environment: 'sandbox', voipToken }),
  });
}

describe('the local stack running the deployed bundles', () => {
  const voipToken = 'e6'.repeat(32);

  it("knows the developer's app from the template and rings its device with the credential from Secrets Manager", async () => {
    expect((await register('other-phone', 'com.example.other', voipToken)).status).toBe(200);
    // The dev iOS app is not in this deployment: only the credential file's app (and the dev Android app) are.
    const refused = await register('dev-phone', 'com.example.voip', 'e7'.repeat(32));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('bundleId');
    expect((await register('other-tablet', 'com.example.other', 'e8'.repeat(32))).status).toBe(200);

    const sqs = stackSqsClient(stack.info);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.info.queueUrl,
        MessageBody: aCallBody({
          callId: 'c-bundle-1',
          recipients: ['bundle-user'],
          createdAt: new Date().toISOString(),
          ringTimeoutSeconds: 30,
        }),
      }),
    );
    sqs.destroy();
    let pushes: Array<{ headers: Record<string, string> }> = [];
    const deadline = Date.now() + 20_000;
    while (pushes.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const answer = await fetch(`${stack.apnsControlUrl}/pushes?token=${voipToken}`);
      pushes = ((await answer.json()) as { pushes: typeof pushes }).pushes;
    }
    expect(pushes.map((push) => push.headers['apns-topic'])).toEqual(['com.example.other.voip']);
  }, 60_000);

  it("logs as Lambda's runtime makes Powertools log: the function's name and template memory, cold once", async () => {
    // Every line an environment printed has been forwarded once its host stopped.
    await stack.stop();
    const byFunction = (name: string) => records.filter((record) => record.function_name === name);
    const register = byFunction('voip-push-register');
    expect(register.map((r) => [r.message, r.function_memory_size])).toEqual([
      ['device registered', '256'],
      ['device registered', '256'],
    ]);
    expect(register.map((r) => r.cold_start)).toEqual([true, false]);
    // The sender's lines carry no Lambda context (the push attempt line is kept short, docs/contracts.md).
    const attempts = records.filter((r) => r.service === 'voip-push-sender' && r.message === 'push attempt');
    expect(attempts.map((r) => [r.deviceId, r.bundleId, r.outcome]).sort()).toEqual([
      ['other-phone', 'com.example.other', 'delivered'],
      ['other-tablet', 'com.example.other', 'delivered'],
    ]);
    expect(JSON.stringify(records)).not.toContain(voipToken);
  });

  it('refuses an unknown VOIP_FUNCTIONS with one line naming it', async () => {
    await expect(startLocalStack({ env: { VOIP_FUNCTIONS: 'docker' }, console: false })).rejects.toThrow(
      'VOIP_FUNCTIONS must be "bundle" or "source", got "docker"',
    );
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadLocalSigningKey, mintDevToken } from '../../local/jwt';
import { type StackProcess, startStackProcess } from '../support/stack-process';

const run = promisify(execFile);

/** `npm run smoke -- <args>` as a user runs it, against the stack whose state is in `dir`. */
async function smoke(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      'node_modules/.bin/tsx',
      ['--no-warnings=ExperimentalWarning', 'scripts/smoke.ts', ...args],
      { env: { ...process.env, VOIP_LOCAL_DIR: dir }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npm run smoke --local', () => {
  let stack: StackProcess;

  beforeAll(async () => {
    stack = await startStackProcess();
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  /** The FCM simulator's control API, as `npm start` writes it. */
  const fcmControlUrl = (): string =>
    (JSON.parse(readFileSync(join(stack.dir, 'fcm-simulator.json'), 'utf8')) as { controlUrl: string })
      .controlUrl;

  async function devicesOf(userId: string): Promise<unknown> {
    const key = await loadLocalSigningKey(join(stack.dir, 'jwt'));
    const token = await mintDevToken(userId, { key });
    const res = await fetch(`${stack.info.apiUrl}/v1/devices`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return ((await res.json()) as { devices: unknown }).devices;
  }

  it('registers a device, reports the delivered push with its latency and removes the device when the stack runs', async () => {
    const { code, stdout, stderr } = await smoke(stack.dir, ['--local', '--user', 'smoke-it-user']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^registered smoke-[0-9a-f]{8} \(com\.example\.voip, sandbox, token [0-9a-f]{12}, generated\)$/m,
    );
    expect(stdout).toMatch(/^queued incoming_call c-smoke-/m);
    expect(stdout).toMatch(
      /^push delivered \(APNs 200\), attempt 1; \d+ ms from createdAt, APNs answered in \d+ ms$/m,
    );
    expect(stdout).toMatch(/^removed smoke-[0-9a-f]{8}$/m);
    expect(stdout).toMatch(/^SMOKE PASSED c-smoke-/m);
    // Only hashes of tokens: the generated 64-digit token never appears.
    expect(stdout).not.toMatch(/[0-9a-f]{64}/);

    expect(await devicesOf('smoke-it-user')).toEqual([]);
  }, 90_000);

  it('registers an Android device, reports the delivered FCM push and removes the device when --platform android is given', async () => {
    const { code, stdout, stderr } = await smoke(stack.dir, [
      '--local',
      '--platform',
      'android',
      '--user',
      'smoke-it-android',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^registered smoke-[0-9a-f]{8} \(android, com\.example\.voip, token [0-9a-f]{12}, generated\)$/m,
    );
    expect(stdout).toMatch(
      /^push delivered \(FCM 200\), attempt 1; \d+ ms from createdAt, FCM answered in \d+ ms$/m,
    );
    expect(stdout).toMatch(/^removed smoke-[0-9a-f]{8}$/m);
    expect(stdout).toMatch(/^SMOKE PASSED c-smoke-/m);
    // The generated token is `<22>:APA91b<140>`: none of it is printed.
    expect(stdout).not.toMatch(/APA91b/);

    const messages = (await (await fetch(`${fcmControlUrl()}/messages`)).json()) as {
      messages: { token: string; payload?: unknown }[];
    };
    expect(messages.messages.some((message) => /:APA91b/.test(message.token))).toBe(true);
    expect(await devicesOf('smoke-it-android')).toEqual([]);
  }, 90_000);

  it('rings an iPhone and an Android device with one call and reports both pushes when --platform both is given', async () => {
    const { code, stdout, stderr } = await smoke(stack.dir, [
      '--local',
      '--platform',
      'both',
      '--user',
      'smoke-it-both',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^registered smoke-[0-9a-f]{8} \(com\.example\.voip, sandbox, token [0-9a-f]{12}, generated\)$/m,
    );
    expect(stdout).toMatch(
      /^registered smoke-[0-9a-f]{8} \(android, com\.example\.voip, token [0-9a-f]{12}, generated\)$/m,
    );
    expect(stdout.match(/^queued incoming_call /gm)).toHaveLength(1);
    expect(stdout).toMatch(/^push delivered \(APNs 200\), attempt 1; /m);
    expect(stdout).toMatch(/^push delivered \(FCM 200\), attempt 1; /m);
    expect(stdout.match(/^removed smoke-[0-9a-f]{8}$/gm)).toHaveLength(2);
    expect(stdout).toMatch(/^SMOKE PASSED c-smoke-/m);
    expect(await devicesOf('smoke-it-both')).toEqual([]);
  }, 90_000);

  it("passes on FCM's UNREGISTERED for a generated token, as real FCM answers one, and fails on SENDER_ID_MISMATCH", async () => {
    const fault = (errorCode: string) =>
      fetch(`${fcmControlUrl()}/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults: [{ kind: 'answer', errorCode, count: 1 }] }),
      });
    try {
      expect((await fault('UNREGISTERED')).status).toBe(200);
      const foreign = await smoke(stack.dir, ['--local', '--platform', 'android']);
      expect(foreign.stdout).toMatch(/^push pruned \(FCM 404 UNREGISTERED\), attempt 1; /m);
      expect(foreign.stdout).toMatch(/^SMOKE PASSED /m);
      expect(foreign.code).toBe(0);

      expect((await fault('SENDER_ID_MISMATCH')).status).toBe(200);
      const mismatch = await smoke(stack.dir, ['--local', '--platform', 'android']);
      expect(mismatch.stdout).toMatch(/^push failed \(FCM 403 SENDER_ID_MISMATCH\), attempt 1/m);
      expect(mismatch.stdout).toMatch(/^SMOKE FAILED /m);
      expect(mismatch.code).toBe(1);
    } finally {
      await fetch(`${fcmControlUrl()}/faults`, { method: 'DELETE' });
    }
  }, 90_000);

  it('fails without printing the token when a given FCM token is one FCM no longer knows', async () => {
    const fcmToken = `smokeIt${Date.now()}:APA91bGivenTokenOfTheTest`;
    await fetch(`${fcmControlUrl()}/tokens/${fcmToken}/unregister`, { method: 'POST' });
    const { code, stdout } = await smoke(stack.dir, [
      '--local',
      '--platform',
      'android',
      '--fcm-token',
      fcmToken,
    ]);
    expect(stdout).toMatch(
      /^registered smoke-[0-9a-f]{8} \(android, com\.example\.voip, token [0-9a-f]{12}\)$/m,
    );
    expect(stdout).toMatch(/^push pruned \(FCM 404 UNREGISTERED\)/m);
    expect(stdout).toMatch(/^SMOKE FAILED /m);
    expect(code).toBe(1);
    expect(stdout).not.toContain(fcmToken);
  }, 90_000);

  it('fails with the registration answer when the bundle has no credential', async () => {
    const { code, stdout } = await smoke(stack.dir, ['--local', '--bundle-id', 'bad bundle']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^registration failed: PUT \/v1\/devices\/smoke-[0-9a-f]{8} → 400 /m);
    expect(stdout).toMatch(/^SMOKE FAILED /m);
  }, 60_000);
});

describe('npm run smoke', () => {
  it('says to start the stack and exits 1 when no local stack runs', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'voip-push-smoke-'));
    try {
      const { code, stdout, stderr } = await smoke(empty, ['--local']);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `smoke check failed: cannot read ${join(empty, 'stack.json')}: start the local stack first with \`npm start\`\n`,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('prints the usage and exits 2 when neither --stage nor --local is given', async () => {
    const { code, stderr } = await smoke(tmpdir(), ['--voip-token', 'ab']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^give exactly one of --stage <stage> or --local\nusage: npm run smoke -- /);
  });
});

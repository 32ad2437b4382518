import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

    const key = await loadLocalSigningKey(join(stack.dir, 'jwt'));
    const token = await mintDevToken('smoke-it-user', { key });
    const res = await fetch(`${stack.info.apiUrl}/v1/devices`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await res.json()).toEqual({ devices: [] });
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

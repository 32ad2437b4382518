import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cdkJsonContext } from './synth-app';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'node_modules', '.bin');
const run = promisify(execFile);
const outdir = mkdtempSync(join(tmpdir(), 'voip-push-synth-'));

interface Outcome {
  readonly code: number;
  readonly stderr: string;
}

/** Runs a command from the repository root with the project's Node first on PATH, as `npm run` does. */
async function exec(file: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stderr } = await run(file, args, {
      cwd: ROOT,
      env: { ...process.env, PATH: `${BIN}:${process.env.PATH}`, ...env },
      timeout: 25_000,
    });
    return { code: 0, stderr };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code ?? -1, stderr: failed.stderr ?? '' };
  }
}

/** The app entry alone, with the context the CLI would hand it (cdk.json merged with `-c` values). */
function app(overrides: Record<string, unknown>): Promise<Outcome> {
  return exec(join(BIN, 'tsx'), ['infra/app.ts'], {
    CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), ...overrides }),
    CDK_OUTDIR: outdir,
  });
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('infra/app.ts with a bad context value', () => {
  it('prints one line naming the key and what is allowed, and fails, when `cdk synth -c stage=Bad` runs', async () => {
    const { code, stderr } = await exec(join(BIN, 'cdk'), [
      'synth',
      '--quiet',
      '-c',
      'stage=Bad',
      '-o',
      outdir,
    ]);
    expect(code).not.toBe(0);
    // The CLI adds its own "<app>: Subprocess exited with error 1" after the app's line.
    const fromApp = lines(stderr).filter((line) => !line.includes('Subprocess exited with error'));
    expect(fromApp).toEqual([
      'Invalid context "stage": must be one of dev, staging, prod. Set it in cdk.json or with -c stage=...',
    ]);
  });

  it.each([
    [{ jwtIssuer: 'http://auth.example.com/' }, 'Invalid context "jwtIssuer": must be an https URL.'],
    [
      { apps: '[{"bundleId":"voip","environments":["sandbox"]}]' },
      'Invalid context "apps.0.bundleId": must be',
    ],
    [
      { apps: '[{"platform":"android","bundleId":"com.example.voip","environments":["production"]}]' },
      'Invalid context "apps.0.environments": must not be set for an android app',
    ],
    [{ senderMaxConcurrency: '1' }, 'Invalid context "senderMaxConcurrency": must be at least 2'],
  ])(
    'prints one line and no stack trace, and exits 1, when the app runs with %j',
    async (override, start) => {
      const { code, stderr } = await app(override);
      expect(code).toBe(1);
      expect(lines(stderr)).toHaveLength(1);
      expect(stderr.startsWith(start)).toBe(true);
    },
  );
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApi, type TestApi } from '../support/local-api';

const run = promisify(execFile);
let api: TestApi;

beforeAll(async () => {
  api = await startTestApi();
});

afterAll(() => api.close());

describe('dev-token', () => {
  it('prints exactly one token per user id, in order, each accepted by the API', async () => {
    const { stdout, stderr } = await run('node_modules/.bin/tsx', ['local/dev-token.ts', 'u1', 'u2']);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(2);
    for (const [i, line] of lines.entries()) {
      expect(line).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      const sub = JSON.parse(Buffer.from(line.split('.')[1] ?? '', 'base64url').toString()).sub;
      expect(sub).toBe(`u${i + 1}`);
      const res = await api.call('GET', '/v1/devices', { token: line });
      expect(res.status).toBe(200);
    }
  });

  it('mints tokens lasting the --ttl given, still accepted by the API, when a lifetime is passed', async () => {
    const { stdout, stderr } = await run('node_modules/.bin/tsx', [
      'local/dev-token.ts',
      '--ttl',
      '10m',
      'u1',
    ]);
    expect(stderr).toBe('');
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const claims = JSON.parse(Buffer.from(lines[0]?.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(600);
    expect((await api.call('GET', '/v1/devices', { token: lines[0] as string })).status).toBe(200);

    const inSeconds = await run('node_modules/.bin/tsx', ['local/dev-token.ts', '--ttl=90', 'u2']);
    const short = JSON.parse(Buffer.from(inSeconds.stdout.split('.')[1] ?? '', 'base64url').toString());
    expect(short.exp - short.iat).toBe(90);
  });

  it('prints usage on stderr and nothing on stdout when the lifetime is not one', async () => {
    for (const bad of [['--ttl', '0'], ['--ttl', '10 minutes'], ['--ttl'], ['--ttl=-5'], ['--ttl', '400d']]) {
      const failure = await run('node_modules/.bin/tsx', ['local/dev-token.ts', ...bad, 'u1']).catch(
        (error: unknown) => error,
      );
      expect(failure).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('--ttl') });
    }
  });

  it('prints usage on stderr and nothing on stdout when no user id is given', async () => {
    const failure = await run('node_modules/.bin/tsx', ['local/dev-token.ts']).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('usage') });
  });

  it('keeps the one-hour default when no --ttl is given', async () => {
    const { stdout } = await run('node_modules/.bin/tsx', ['local/dev-token.ts', 'u1']);
    const claims = JSON.parse(Buffer.from(stdout.split('.')[1] ?? '', 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(3600);
  });
});

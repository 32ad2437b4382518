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

  it('prints usage on stderr and nothing on stdout when no user id is given', async () => {
    const failure = await run('node_modules/.bin/tsx', ['local/dev-token.ts']).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('usage') });
  });
});

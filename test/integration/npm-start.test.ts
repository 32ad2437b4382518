import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../local/services/free-port';
import { childPids, isAlive } from '../support/processes';

/**
 * The local stack's contract (docs/contracts.md, local stack) as outside scripts see it: the `npm start` process
 * itself, not its modules. It runs beside any stack a developer has up, in its own VOIP_LOCAL_DIR.
 */
const localDir = mkdtempSync(join(tmpdir(), 'voip-push-start-'));
const running: ChildProcess[] = [];

afterAll(() => {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(localDir, { recursive: true, force: true });
});

/** Every process below `pid`, children first found first. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0; ) {
    const next = childPids(queue.shift() as number);
    found.push(...next);
    queue = queue.concat(next);
  }
  return found;
}

async function start(port: number): Promise<{ child: ChildProcess; readyLines: string[]; ready: string }> {
  const child = spawn('node_modules/.bin/tsx', ['--no-warnings=ExperimentalWarning', 'local/start.ts'], {
    env: { ...process.env, VOIP_LOCAL_DIR: localDir, VOIP_LOCAL_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  child.stderr?.resume();
  const readyLines: string[] = [];
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no READY line within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before READY`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      readyLines.push(line);
      clearTimeout(timer);
      resolve(line);
    });
  });
  return { child, readyLines, ready };
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

describe('npm start', () => {
  it('prints one READY line, writes stack.json, and leaves nothing behind when stopped and started again', async () => {
    const port = await freePort();
    const first = await start(port);
    const info = JSON.parse(first.ready.slice('READY '.length)) as Record<string, string>;
    expect(Object.keys(info).sort()).toEqual(
      ['apiUrl', 'apnsEndpoint', 'dlqUrl', 'dynamodbEndpoint', 'queueUrl', 'region', 'sqsEndpoint'].sort(),
    );
    expect(info.apiUrl).toBe(`http://127.0.0.1:${port}`);
    expect(JSON.parse(readFileSync(join(localDir, 'stack.json'), 'utf8'))).toEqual(info);
    const unauthorized = await fetch(`${info.apiUrl}/v1/devices`);
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as { error: { code: string } }).error.code).toBe('unauthorized');

    const pid = first.child.pid as number;
    const tree = descendants(pid);
    expect(tree.length).toBeGreaterThan(0);
    expect(await stop(first.child, 'SIGTERM')).toBe(0);
    expect(first.readyLines).toHaveLength(1);
    expect([pid, ...tree].filter(isAlive)).toEqual([]);
    expect(existsSync(join(localDir, 'stack.json'))).toBe(false);
    expect(readdirSync(localDir)).toContain('dynamodb');

    // Right away again, on the same port and data: no port or lock left behind.
    const second = await start(port);
    expect(JSON.parse(second.ready.slice('READY '.length)).apiUrl).toBe(info.apiUrl);
    expect(await stop(second.child, 'SIGINT')).toBe(0);
  }, 150_000);
});

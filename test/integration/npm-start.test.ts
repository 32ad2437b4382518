import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parseLogRecord } from '../../local/log-lines';
import { freePort } from '../../local/services/free-port';
import { childPids, isAlive } from '../support/processes';

/**
 * The local stack's contract (docs/contracts.md, local stack) as outside scripts see it: the `npm start` process
 * itself, not its modules. It runs beside any stack a developer has up, in its own VOIP_LOCAL_DIR.
 */
const localDir = mkdtempSync(join(tmpdir(), 'voip-push-start-'));
const running: ChildProcess[] = [];

afterAll(() => {
  // The whole tree: tsx runs the stack in a child node, which would outlive its killed parent.
  for (const child of running) {
    if (child.exitCode !== null || child.pid === undefined) continue;
    for (const pid of [...descendants(child.pid), child.pid]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
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

interface Started {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  readonly readyLines: string[];
  readonly ready: string;
}

function spawnStart(port: number, args: string[] = []): ChildProcess {
  // As `npm start` runs it: node with tsx's loader, no tsx CLI in between to relay (and time out) signals.
  const child = spawn(
    'node_modules/.bin/node',
    ['--import', 'tsx', '--no-warnings=ExperimentalWarning', 'local/start.ts', ...args],
    {
      env: { ...process.env, VOIP_LOCAL_DIR: localDir, VOIP_LOCAL_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.push(child);
  return child;
}

async function start(port: number, args: string[] = []): Promise<Started> {
  const child = spawnStart(port, args);
  child.stderr?.resume();
  const lines: string[] = [];
  const readyLines: string[] = [];
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no READY line within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before READY`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line);
      if (!line.startsWith('READY ')) return;
      readyLines.push(line);
      clearTimeout(timer);
      resolve(line);
    });
  });
  return { child, lines, readyLines, ready };
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

/** Runs a start that should fail; resolves with its exit code and output. */
function failingStart(port: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnStart(port);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('npm start', () => {
  it('prints one READY line, writes stack.json, refuses a second start, and leaves nothing behind when stopped and started again', async () => {
    const port = await freePort();
    const first = await start(port);
    const info = JSON.parse(first.ready.slice('READY '.length)) as Record<string, string>;
    expect(Object.keys(info).sort()).toEqual(
      [
        'apiUrl',
        'apnsEndpoint',
        'consoleUrl',
        'dlqUrl',
        'dynamodbEndpoint',
        'fcmEndpoint',
        'queueUrl',
        'region',
        'sqsEndpoint',
      ].sort(),
    );
    expect(info.apiUrl).toBe(`http://127.0.0.1:${port}`);
    expect(info.consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const stackFile = readFileSync(join(localDir, 'stack.json'), 'utf8');
    const simulatorFile = readFileSync(join(localDir, 'apns-simulator.json'), 'utf8');
    const fcmSimulatorFile = readFileSync(join(localDir, 'fcm-simulator.json'), 'utf8');
    expect(JSON.parse(fcmSimulatorFile).controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse(stackFile)).toEqual(info);
    const unauthorized = await fetch(`${info.apiUrl}/v1/devices`);
    expect(unauthorized.status).toBe(401);
    expect(((await unauthorized.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await fetch(`${info.consoleUrl}/api/status`)).status).toBe(200);

    // A second start from the same directory says which stack runs and touches none of its files.
    const second = await failingStart(await freePort());
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    const named = Number(/pid (\d+)/.exec(second.stderr)?.[1]);
    expect([first.child.pid, ...descendants(first.child.pid as number)]).toContain(named);
    expect(second.stderr).toContain(`apiUrl ${info.apiUrl}`);
    expect(readFileSync(join(localDir, 'stack.json'), 'utf8')).toBe(stackFile);
    expect(readFileSync(join(localDir, 'apns-simulator.json'), 'utf8')).toBe(simulatorFile);
    expect(readFileSync(join(localDir, 'fcm-simulator.json'), 'utf8')).toBe(fcmSimulatorFile);
    expect((await fetch(`${info.apiUrl}/v1/devices`)).status).toBe(401);

    // One log format on stdout: Powertools' (level in capitals, timestamp), the stack's own lines too.
    const records = first.lines.map(parseLogRecord).filter((record) => record !== undefined);
    expect(records.some((record) => record.service === 'voip-push-local')).toBe(true);
    const logLines = records.filter((record) => record._aws === undefined);
    expect(logLines.filter((record) => !('timestamp' in record) || 'time' in record)).toEqual([]);
    expect(logLines.filter((record) => !/^[A-Z]+$/.test(String(record.level)))).toEqual([]);

    const pid = first.child.pid as number;
    const tree = descendants(pid);
    expect(tree.length).toBeGreaterThan(0);
    expect(await stop(first.child, 'SIGTERM')).toBe(0);
    expect(first.readyLines).toHaveLength(1);
    expect([pid, ...tree].filter(isAlive)).toEqual([]);
    expect(existsSync(join(localDir, 'stack.json'))).toBe(false);
    expect(existsSync(join(localDir, 'stack.lock'))).toBe(false);
    expect(existsSync(join(localDir, 'fcm-simulator.json'))).toBe(false);
    expect(readdirSync(localDir)).toContain('dynamodb');

    // Right away again, on the same port and data, with --pretty: no port or lock left behind, and
    // log lines for people while READY stays exactly the contract's line.
    const again = await start(port, ['--pretty']);
    expect(JSON.parse(again.ready.slice('READY '.length)).apiUrl).toBe(info.apiUrl);
    const before = again.lines.slice(0, again.lines.indexOf(again.ready));
    expect(before.length).toBeGreaterThan(0);
    expect(before.filter((line) => line.startsWith('{'))).toEqual([]);
    expect(
      before.some((line) => /^\d\d:\d\d:\d\d\.\d{3} INFO {2}local {4}services started /.test(line)),
    ).toBe(true);
    expect(await stop(again.child, 'SIGINT')).toBe(0);
  }, 150_000);

  it('says how to use it and exits 2 when given an argument it does not know', async () => {
    const child = spawn('node_modules/.bin/tsx', ['local/start.ts', '--prety'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.push(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('unknown argument --prety');
    expect(stderr).toContain('--pretty');
  });
});

/**
 * One `npm start` per local directory: `stack.lock` holds the running stack's pid. A second start in the
 * same directory finds a live pid there and stops before it touches anything (stack.json, the
 * simulator's state file, the data), naming the stack that runs; a lock left by a stack that died is
 * taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'stack.lock';

export interface RunningStack {
  readonly pid: number;
  /** From the running stack's stack.json; absent while it is still starting. */
  readonly apiUrl?: string;
  readonly consoleUrl?: string;
}

export class StackRunningError extends Error {
  constructor(
    readonly running: RunningStack,
    readonly dir: string,
  ) {
    const where = running.apiUrl ? `apiUrl ${running.apiUrl}` : 'still starting';
    super(
      `another local stack is running from ${dir}: pid ${running.pid}, ${where}. ` +
        `Stop it first (Ctrl-C in its terminal, or kill ${running.pid}); VOIP_LOCAL_DIR=<dir> runs a second stack beside it. ` +
        `If that pid is no stack, delete ${dir}/stack.lock.`,
    );
    this.name = 'StackRunningError';
  }
}

export interface StackLock {
  /** Removes the lock if it is still ours. */
  release(): void;
}

/** True while a process with this pid exists (EPERM: it exists, under another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function holder(dir: string): RunningStack | undefined {
  const pid = readJson(join(dir, LOCK_FILE))?.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
  if (pid === process.pid || !processExists(pid)) return undefined;
  const info = readJson(join(dir, 'stack.json'));
  return {
    pid,
    ...(typeof info?.apiUrl === 'string' ? { apiUrl: info.apiUrl } : {}),
    ...(typeof info?.consoleUrl === 'string' ? { consoleUrl: info.consoleUrl } : {}),
  };
}

/**
 * Takes the directory's lock for this process, or throws StackRunningError naming the live stack that
 * holds it. The directory must exist.
 */
export function acquireStackLock(dir: string): StackLock {
  const path = join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // `wx`: created only if absent, so two starts at the same moment cannot both win.
      writeFileSync(path, `${mine}\n`, { flag: 'wx' });
      return {
        release() {
          if (readJson(path)?.pid === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const running = holder(dir);
    if (running) throw new StackRunningError(running, dir);
    // Left by a stack that died (or unreadable): take it over, once.
    rmSync(path, { force: true });
  }
  const running = holder(dir);
  if (running) throw new StackRunningError(running, dir);
  throw new Error(`cannot take ${path}: delete it if no stack runs from ${dir}`);
}

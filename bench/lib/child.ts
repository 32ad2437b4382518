import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { resolve } from 'node:path';

/** Repository root (bench/lib → ../..). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** Marker line a bench child prints once with its JSON result. */
export const RESULT_MARKER = 'BENCH_RESULT ';

/** Prints the result line a parent's `runChild` waits for (on stderr: stdout may be a log file). */
export function emitResult(result: unknown): void {
  process.stderr.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

export interface ChildOptions {
  /** Extra environment; the parent's is inherited. */
  readonly env?: Record<string, string>;
  /** Killed (SIGKILL) after this long. */
  readonly timeoutMs: number;
  /** node flags before the script, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
  /** A plain JavaScript script run without tsx (so no loader hook sits in what it imports). */
  readonly plain?: boolean;
  /**
   * File for the child's stdout (its log lines). Default: discarded. Never a pipe: on Linux a pipe
   * makes process.stdout writes synchronous, and a busy parent reading it slowly would bill its own
   * slowness to the child's logging.
   */
  readonly stdoutFile?: string;
}

/**
 * Runs a TypeScript bench script in a fresh `node --import tsx` process and returns the JSON of its
 * BENCH_RESULT line. Each client gets its own process so `process.cpuUsage()` and RSS are its alone.
 * BENCH_CPU_PROF=<dir> makes every child write a V8 CPU profile there (Chrome DevTools, speedscope).
 */
export function runChild<T>(script: string, args: readonly string[], options: ChildOptions): Promise<T> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : [];
  const stdoutFd = openSync(options.stdoutFile ?? '/dev/null', 'w');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...profile,
        ...(options.nodeArgs ?? []),
        ...(options.plain ? [] : ['--import', 'tsx']),
        resolve(REPO_ROOT, script),
        ...args,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', stdoutFd, 'pipe'] },
    );
    closeSync(stdoutFd);
    let stderr = '';
    let result: string | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const at = stderr.indexOf(RESULT_MARKER);
      const end = at < 0 ? -1 : stderr.indexOf('\n', at);
      if (end >= 0) {
        result = stderr.slice(at + RESULT_MARKER.length, end);
        stderr = stderr.slice(0, at) + stderr.slice(end + 1);
      }
      if (stderr.length > 8000 && !stderr.includes(RESULT_MARKER)) stderr = stderr.slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (result === undefined) {
        reject(
          new Error(`${script} ended (${signal ?? code}) without a result: ${stderr.trim().slice(-2000)}`),
        );
        return;
      }
      resolvePromise(JSON.parse(result) as T);
    });
  });
}

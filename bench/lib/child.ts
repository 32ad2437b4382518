import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** Repository root (bench/lib → ../..). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** Marker line a bench child prints once with its JSON result. */
export const RESULT_MARKER = 'BENCH_RESULT ';

/** Prints the result line a parent's `runChild` waits for. */
export function emitResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
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
}

/**
 * Runs a TypeScript bench script in a fresh `node --import tsx` process and returns the JSON of its
 * BENCH_RESULT line. Each client gets its own process so `process.cpuUsage()` and RSS are its alone.
 */
export function runChild<T>(script: string, args: readonly string[], options: ChildOptions): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...(options.nodeArgs ?? []),
        ...(options.plain ? [] : ['--import', 'tsx']),
        resolve(REPO_ROOT, script),
        ...args,
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (line === undefined) {
        reject(
          new Error(
            `${script} ${args.join(' ')} ended (${signal ?? code}) without a result: ${stderr.trim()}`,
          ),
        );
        return;
      }
      resolvePromise(JSON.parse(line.slice(RESULT_MARKER.length)) as T);
    });
  });
}

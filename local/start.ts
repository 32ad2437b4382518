/**
 * `npm start [-- --pretty]`: runs the local stack until Ctrl-C / SIGTERM. Prints exactly one
 * `READY {json}` line on stdout when every component answers and writes the same JSON to
 * `.local/stack.json`; logs are JSON lines on stdout (Powertools' format, the stack's own lines too),
 * problems go to stderr. `--pretty` renders the log lines for people; READY stays as it is.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tapProcessOutput } from './log-lines';
import { prettyLine } from './pretty-log';
import { assertJava, JavaMissingError } from './services/dynamodb-local';
import type { LocalStack } from './stack';
import { acquireStackLock, StackRunningError } from './stack-lock';
import { createStackLog } from './stack-log';

const USAGE = 'usage: npm start [-- --pretty]';
const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== '--pretty');
if (unknown.length > 0) {
  process.stderr.write(`unknown argument ${unknown[0]}\n${USAGE}\n`);
  process.exit(2);
}
const pretty = args.includes('--pretty');

// fauxqs keeps its data with node:sqlite, which Node 22 flags as experimental on every start: that
// warning is noise here. Installed before the stack's modules load (dynamic import below).
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) return;
  process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

// Without Java, one line naming the fix and nothing else.
try {
  assertJava();
} catch (error) {
  if (!(error instanceof JavaMissingError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const { LOCAL_DIR, startLocalStack } = await import('./stack');

const STACK_FILE = join(LOCAL_DIR, 'stack.json');
/** Beside the contract: where `npm run demo` finds the simulator's control API. */
const SIMULATOR_FILE = join(LOCAL_DIR, 'apns-simulator.json');
const FCM_SIMULATOR_FILE = join(LOCAL_DIR, 'fcm-simulator.json');

// Another stack running from this directory: say which, and leave its files alone.
mkdirSync(LOCAL_DIR, { recursive: true });
let lock: ReturnType<typeof acquireStackLock>;
try {
  lock = acquireStackLock(LOCAL_DIR);
} catch (error) {
  if (!(error instanceof StackRunningError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

// Every line written from here on goes through one tap: the console reads the parsed lines, and
// --pretty changes only how they are shown.
const output = tapProcessOutput(pretty ? prettyLine : (line) => line);
const log = createStackLog();

function removeStateFiles(): void {
  rmSync(STACK_FILE, { force: true });
  rmSync(SIMULATOR_FILE, { force: true });
  rmSync(FCM_SIMULATOR_FILE, { force: true });
}

function exit(code: number): never {
  lock.release();
  output.restore();
  process.exit(code);
}

// A stale file from a stack that died must never look like a ready one.
removeStateFiles();

let stack: LocalStack | undefined;
let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('info', 'stopping', { signal });
  // Still starting: the start path below stops whatever came up, then exits.
  if (!stack) return;
  await stack.stop();
  removeStateFiles();
  exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGHUP', () => void shutdown('SIGHUP'));

try {
  stack = await startLocalStack({ log, logLines: output.lines });
} catch (error) {
  // Ctrl-C reaches DynamoDB Local too, which can make a start in progress fail: that is a stop.
  if (stopping) exit(0);
  if (error instanceof JavaMissingError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    const hint = message.includes('EADDRINUSE')
      ? ' (is another program using the port? VOIP_LOCAL_PORT sets the API port)'
      : '';
    process.stderr.write(`local stack failed to start: ${message}${hint}\n`);
  }
  exit(1);
}
if (stopping) {
  await stack.stop();
  removeStateFiles();
  exit(0);
}
const json = JSON.stringify(stack.info);
writeFileSync(STACK_FILE, `${JSON.stringify(stack.info, null, 2)}\n`);
if (stack.apnsControlUrl) {
  writeFileSync(SIMULATOR_FILE, `${JSON.stringify({ controlUrl: stack.apnsControlUrl }, null, 2)}\n`);
}
if (stack.fcmControlUrl) {
  writeFileSync(FCM_SIMULATOR_FILE, `${JSON.stringify({ controlUrl: stack.fcmControlUrl }, null, 2)}\n`);
}
process.stdout.write(`READY ${json}\n`);

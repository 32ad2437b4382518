/**
 * `npm start`: runs the local stack until Ctrl-C / SIGTERM. Prints exactly one `READY {json}` line on
 * stdout when every component answers and writes the same JSON to `.local/stack.json`; logs are JSON
 * lines on stdout, problems go to stderr.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogFn } from './api-server';
import { assertJava, JavaMissingError } from './services/dynamodb-local';
import type { LocalStack } from './stack';

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

const log: LogFn = (level, message, data) => {
  const line = `${JSON.stringify({ time: new Date().toISOString(), level, message, ...data })}\n`;
  if (level === 'error') process.stderr.write(line);
  else process.stdout.write(line);
};

function removeStateFiles(): void {
  rmSync(STACK_FILE, { force: true });
  rmSync(SIMULATOR_FILE, { force: true });
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
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGHUP', () => void shutdown('SIGHUP'));

try {
  stack = await startLocalStack({ log });
} catch (error) {
  // Ctrl-C reaches DynamoDB Local too, which can make a start in progress fail: that is a stop.
  if (stopping) process.exit(0);
  if (error instanceof JavaMissingError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    const hint = message.includes('EADDRINUSE')
      ? ' (is another npm start running? VOIP_LOCAL_PORT sets the API port)'
      : '';
    process.stderr.write(`local stack failed to start: ${message}${hint}\n`);
  }
  process.exit(1);
}
if (stopping) {
  await stack.stop();
  removeStateFiles();
  process.exit(0);
}
const json = JSON.stringify(stack.info);
mkdirSync(LOCAL_DIR, { recursive: true });
writeFileSync(STACK_FILE, `${JSON.stringify(stack.info, null, 2)}\n`);
if (stack.apnsControlUrl) {
  writeFileSync(SIMULATOR_FILE, `${JSON.stringify({ controlUrl: stack.apnsControlUrl }, null, 2)}\n`);
}
process.stdout.write(`READY ${json}\n`);

// Plain JS: jest loads globalSetup outside its ESM transform. Starts test/support/services-main.ts.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The deployed functions the test stacks run, synthesized once here rather than by each worker. */
function buildFunctions() {
  return new Promise((resolve, reject) => {
    const child = spawn('node_modules/.bin/node', ['--import', 'tsx', 'local/functions/build-cli.ts'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // The dev apps, as the test stacks (env: {}) use them, whatever the developer's shell says.
      env: {
        ...process.env,
        APNS_CREDENTIALS_FILE: '',
        FCM_CREDENTIALS_FILE: '',
        APNS_ENDPOINT: '',
        FCM_ENDPOINT: '',
      },
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`build:functions failed (${code}): ${stderr}`)),
    );
  });
}

export default async function globalSetup() {
  const functions = buildFunctions();
  // node with tsx's loader: no tsx CLI in between, whose signal relay SIGKILLs a child slow to answer.
  const child = spawn('node_modules/.bin/node', ['--import', 'tsx', 'test/support/services-main.ts'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  globalThis.__servicesProcess = child;
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('local services did not start within 90 s')), 90_000);
    child.once('exit', (code) => reject(new Error(`local services exited (${code}) before they were ready`)));
    lines.on('line', (line) => {
      if (line.startsWith('SERVICES ')) {
        clearTimeout(timer);
        resolve(JSON.parse(line.slice('SERVICES '.length)));
      }
    });
  });
  await functions;
  process.env.TEST_DYNAMODB_ENDPOINT = ready.dynamodbEndpoint;
  process.env.TEST_SQS_ENDPOINT = ready.sqsEndpoint;
}

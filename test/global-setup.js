// Plain JS: jest loads globalSetup outside its ESM transform. Starts test/support/services-main.ts.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export default async function globalSetup() {
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
  process.env.TEST_DYNAMODB_ENDPOINT = ready.dynamodbEndpoint;
  process.env.TEST_SQS_ENDPOINT = ready.sqsEndpoint;
}

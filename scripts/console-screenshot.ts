/**
 * `npm run screenshot:console`: starts `npm start` in a temporary directory, registers a few devices,
 * places calls (one through an injected 503, one missed call), dead-letters a broken event, and saves
 * the console as docs/console.png (the README's screenshot). Needs Chromium (CHROMIUM_PATH).
 */
import { join, resolve } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { loadLocalSigningKey } from '../local/jwt';
import { launchChromium } from '../test/support/browser';
import { registerDevice, waitFor } from '../test/support/console-client';
import { stackSqsClient } from '../test/support/local-stack';
import { startStackProcess } from '../test/support/stack-process';

const OUT = resolve(import.meta.dirname, '..', 'docs', 'console.png');

const stack = await startStackProcess();
const browser = await launchChromium();
try {
  const key = await loadLocalSigningKey(join(stack.dir, 'jwt'));
  for (const [userId, deviceId] of [
    ['alice', 'alice-iphone'],
    ['alice', 'alice-ipad'],
    ['bob', 'bob-iphone'],
    ['carol', 'carol-iphone'],
  ] as const) {
    await registerDevice(stack.info.apiUrl, userId, deviceId, key);
  }
  const consoleApi = (path: string, body?: unknown) =>
    fetch(`${stack.info.consoleUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).then((res) => res.json() as Promise<Record<string, unknown>>);

  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  await page.goto(stack.info.consoleUrl);
  await page.locator('#live.on').waitFor();

  const first = (await consoleApi('/api/calls', { recipients: ['alice', 'bob'], callerName: 'Ada' })) as {
    callId: string;
  };
  await waitFor(
    async () =>
      (await page.locator(`#pushes tr[data-call="${first.callId}"][data-outcome="delivered"]`).count()) ===
        3 || undefined,
    'the first call delivered to three devices',
  );
  await consoleApi('/api/faults', {
    faults: [{ kind: 'answer', status: 503, reason: 'ServiceUnavailable', count: 1 }],
  });
  const { callId } = (await consoleApi('/api/calls', { recipients: ['carol'], callerName: 'Grace' })) as {
    callId: string;
  };
  await page.locator(`#pushes tr[data-call="${callId}"][data-retries="1"]`).waitFor();
  const sqs = stackSqsClient(stack.info);
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: stack.info.queueUrl,
      MessageBody: '{"version":1,"type":"incoming_call"}',
    }),
  );
  sqs.destroy();
  await consoleApi('/api/faults', { faults: [{ kind: 'latency', ms: 40, rate: 0.5 }] });

  await waitFor(
    async () =>
      (await page.locator('#phones td.receipts', { hasText: 'reported' }).count()) >= 4 ? true : undefined,
    'four phones ringing',
  );
  await page.locator('#dlq td.reason', { hasText: 'invalid_event' }).waitFor();
  await page.locator('#recipients input[value="alice"]').check();
  await page.locator(`#pushes tr[data-call="${callId}"] summary`).click();
  await page.waitForTimeout(800);
  await page.screenshot({ path: OUT, fullPage: true });
  process.stdout.write(`saved ${OUT}\n`);
} finally {
  await browser.close();
  await stack.stop();
}

import { join } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { loadLocalSigningKey } from '../../local/jwt';
import { launchChromium } from '../support/browser';
import { type RegisteredDevice, registerDevice } from '../support/console-client';
import { stackSqsClient } from '../support/local-stack';
import { type StackProcess, startStackProcess } from '../support/stack-process';

/**
 * The console in a real browser (Debian's Chromium), against `npm start` as a developer runs it:
 * one stack and one browser for the file, one page per test.
 */
let stack: StackProcess;
let browser: Browser;
let sqs: SQSClient;
let alice: RegisteredDevice;
let bob: RegisteredDevice;
const pages: Page[] = [];
/** Every URL the pages asked for: the console's own origin only (no CDN, nothing from the network). */
const requested = new Set<string>();

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStackProcess(), launchChromium()]);
  const key = await loadLocalSigningKey(join(stack.dir, 'jwt'));
  alice = await registerDevice(stack.info.apiUrl, 'alice', 'alice-iphone', key);
  bob = await registerDevice(stack.info.apiUrl, 'bob', 'bob-iphone', key);
  sqs = stackSqsClient(stack.info);
}, 120_000);

afterAll(async () => {
  sqs?.destroy();
  await browser?.close();
  expect(await stack?.stop()).toBe(0);
}, 30_000);

async function openConsole(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  pages.push(page);
  const problems: string[] = [];
  page.on('request', (request) => requested.add(request.url()));
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  await page.goto(stack.info.consoleUrl);
  await page.locator('#live.on').waitFor();
  expect(problems).toEqual([]);
  return page;
}

/** Ticks the recipients and places a call through the form; answers its callId. */
async function placeCall(page: Page, recipients: readonly string[]): Promise<string> {
  for (const userId of recipients) await page.locator(`#recipients input[value="${userId}"]`).check();
  await page.locator('#call-form button[type="submit"]').click();
  const result = page.locator('#call-result');
  await result.filter({ hasText: /queued c-console-/ }).waitFor();
  return (/queued (\S+)/.exec((await result.textContent()) ?? '') as RegExpExecArray)[1] as string;
}

describe('local console in a browser', () => {
  it('shows a test call pushed and ringing live, with its latency, when placed from the form', async () => {
    const page = await openConsole();
    await page.locator('#devices [data-user="alice"] [data-device="alice-iphone"]').waitFor();
    const callId = await placeCall(page, ['alice', 'bob']);

    for (const [device, userId] of [
      [alice, 'alice'],
      [bob, 'bob'],
    ] as const) {
      const push = page.locator(`#pushes tr[data-call="${callId}"][data-outcome="delivered"]`, {
        hasText: userId,
      });
      await push.waitFor();
      await expect(push.locator('td.answer').textContent()).resolves.toBe('200');
      await expect(push.locator('td.delivery').textContent()).resolves.toMatch(/^\d+ ms$/);
      await push.locator('td.phone', { hasText: /\d+ ms/ }).waitFor();
      const phone = page.locator(`#phones tr[data-call="${callId}"][data-rings="1"]`, {
        hasText: device.deviceId,
      });
      await phone.locator('td.receipts', { hasText: 'reported 200' }).waitFor();
    }
    await page.locator('#latency .dist[data-count="2"]').first().waitFor();
    await expect(page.locator('#latency').textContent()).resolves.toMatch(
      /p50 \d+ ms · p95 \d+ ms · p99 \d+ ms/,
    );

    // What a user sees and what the page holds: token hashes, never a token or a JWT.
    const html = await page.content();
    const text = await page.locator('body').textContent();
    for (const device of [alice, bob]) {
      expect(html.toLowerCase()).not.toContain(device.voipToken);
      expect(html).not.toContain(device.jwt);
    }
    expect(html).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(text).toContain('loopback only');
    const origin = new URL(stack.info.consoleUrl).origin;
    expect([...requested].filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'))).toEqual(
      [],
    );
  });

  it('shows the retry when a 503 is injected from the faults panel', async () => {
    const page = await openConsole();
    await page.locator('#fault-form select[name="kind"]').selectOption('answer');
    await page.locator('#fault-form select[name="status"]').selectOption('503 ServiceUnavailable');
    await page.locator('#fault-form input[name="count"]').fill('1');
    await page.locator('#fault-form button[type="submit"]').click();
    await page.locator('#faults li.fault', { hasText: 'answer 503 ServiceUnavailable' }).waitFor();

    const callId = await placeCall(page, ['alice']);
    const push = page.locator(
      `#pushes tr[data-call="${callId}"][data-outcome="delivered"][data-retries="1"]`,
    );
    await push.waitFor();
    await expect(push.locator('pre.attempts').textContent()).resolves.toMatch(
      /#1 503 ServiceUnavailable retry[\s\S]*#2 200/,
    );

    await page.locator('#clear-faults').click();
    await page.locator('#faults li', { hasText: 'no faults' }).waitFor();
  });

  it('redrives a dead-lettered call event from the DLQ panel, and the phone rings', async () => {
    const page = await openConsole();
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.info.queueUrl, MessageBody: 'not json' }));
    const callId = `c-browser-dlq-${Date.now()}`;
    const parked = await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.info.dlqUrl,
        MessageBody: JSON.stringify({
          version: 1,
          type: 'incoming_call',
          callId,
          recipients: ['bob'],
          caller: { id: 'caller-1', displayName: 'Grace' },
          createdAt: new Date().toISOString(),
        }),
      }),
    );
    await page.locator('#dlq td.reason', { hasText: 'invalid_json' }).waitFor();
    const row = page.locator(`#dlq tr[data-message="${parked.MessageId}"]`);
    await row.locator('td.reason', { hasText: 'redrive policy' }).waitFor();

    await row.locator('button.redrive').click();
    await page.locator('#dlq-result', { hasText: 'redriven' }).waitFor();
    await row.waitFor({ state: 'detached' });
    await page.locator(`#pushes tr[data-call="${callId}"][data-outcome="delivered"]`).waitFor();
    await page.locator(`#phones tr[data-call="${callId}"][data-rings="1"]`).waitFor();
    await expect(page.locator('#dlq td.reason', { hasText: 'invalid_json' }).count()).resolves.toBe(1);
  });
});

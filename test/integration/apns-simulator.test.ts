import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { devCaPem, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { type ApnsSimulator, startApnsSimulator } from '../../local/apns-simulator/simulator';
import { ApnsClient } from '../../shared/adapters/apns/apns-client';
import { ProviderTokenSigner } from '../../shared/adapters/apns/provider-token';
import { deviceToken, voipPush } from '../fixtures/apns/push-request';

let simulator: ApnsSimulator;
const signer = new ProviderTokenSigner(devTokenCredential());

beforeAll(async () => {
  simulator = await startApnsSimulator();
});
afterAll(async () => {
  await simulator.close();
});
beforeEach(() => simulator.reset());

/** One raw HTTP/2 request, on a fresh connection, with the given headers replacing the defaults. */
async function raw(
  overrides: OutgoingHttpHeaders,
  body = '{"type":"incoming_call"}',
): Promise<{ headers: IncomingHttpHeaders; body: string }> {
  const session = connect(simulator.url, { ca: devCaPem() });
  try {
    const headers: OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': `/3/device/${deviceToken(3)}`,
      'apns-push-type': 'voip',
      'apns-topic': 'com.example.voip.voip',
      authorization: signer.authorization(),
      ...overrides,
    };
    for (const name of Object.keys(headers)) if (headers[name] === undefined) delete headers[name];
    const stream = session.request(headers, { endStream: body === '' });
    if (body !== '') stream.end(body);
    return await new Promise((resolve, reject) => {
      let answer: IncomingHttpHeaders = {};
      let text = '';
      stream.on('response', (received) => {
        answer = received;
      });
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        text += chunk;
      });
      stream.on('end', () => resolve({ headers: answer, body: text }));
      stream.on('error', reject);
    });
  } finally {
    session.close();
  }
}

const control = async (path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> => {
  const response = await fetch(`${simulator.controlUrl}${path}`, init);
  return { status: response.status, body: await response.json() };
};
const post = (body: unknown): RequestInit => ({ method: 'POST', body: JSON.stringify(body) });

describe('APNs simulator requests', () => {
  it.each([
    ['a GET', { ':method': 'GET' }, 405, 'MethodNotAllowed'],
    ['a path outside /3/device', { ':path': '/2/device/abcd' }, 404, 'BadPath'],
    ['no device token', { ':path': '/3/device/' }, 400, 'MissingDeviceToken'],
    ['an odd-length token', { ':path': `/3/device/${deviceToken(3)}a` }, 400, 'BadDeviceToken'],
    ['no push type', { 'apns-push-type': undefined }, 400, 'InvalidPushType'],
    ['no topic', { 'apns-topic': undefined }, 400, 'MissingTopic'],
    ['neither JWT nor client certificate', { authorization: undefined }, 403, 'MissingProviderToken'],
    ['a JWT that is not one', { authorization: 'bearer not.a.jwt' }, 403, 'InvalidProviderToken'],
  ])('answers the APNs reason when the request has %s', async (_, overrides, status, reason) => {
    const answer = await raw(overrides);
    expect(answer.headers[':status']).toBe(status);
    expect(JSON.parse(answer.body)).toEqual({ reason });
    expect(simulator.stats().answers).toEqual({ [`${status} ${reason}`]: 1 });
  });

  it('answers 200 with a generated apns-id and an apns-unique-id when the request has no apns-id', async () => {
    const answer = await raw({});
    expect(answer.headers[':status']).toBe(200);
    expect(answer.headers['apns-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.headers['apns-unique-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(simulator.pushes()[0]?.headers['apns-id']).toBe(answer.headers['apns-id']);
  });

  it('answers PayloadTooLarge when an alert payload is over 4096 bytes', async () => {
    const answer = await raw(
      { 'apns-push-type': 'alert', 'apns-topic': 'com.example.voip' },
      `"${'x'.repeat(4095)}"`,
    );
    expect(answer.headers[':status']).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ reason: 'PayloadTooLarge' });
  });
});

describe('APNs simulator control API', () => {
  it('replaces and lists faults when faults are posted', async () => {
    const faults = [{ kind: 'answer', status: 429, reason: 'TooManyRequests', count: 2 }];
    expect(await control('/faults', post({ faults }))).toEqual({ status: 200, body: { faults } });
    expect((await control('/faults')).body).toEqual({ faults });
    expect((await control('/faults', { method: 'DELETE' })).body).toEqual({ faults: [] });
  });

  it('answers 400 when a posted fault has no known kind', async () => {
    const answer = await control('/faults', post({ faults: [{ kind: 'meltdown' }] }));
    expect(answer.status).toBe(400);
  });

  it('makes pushes answer 410 with the timestamp when a token is unregistered over HTTP', async () => {
    const client = new ApnsClient({ endpoint: simulator.url, ca: simulator.caPem });
    try {
      await control(`/tokens/${deviceToken(9)}/unregister`, post({ timestamp: 1_700_000_000_000 }));
      expect(await client.send(devTokenCredential(), voipPush({ token: deviceToken(9) }))).toMatchObject({
        status: 410,
        reason: 'Unregistered',
        timestamp: 1_700_000_000_000,
      });
      await control(`/tokens/${deviceToken(9)}/register`, { method: 'POST' });
      await client.send(devTokenCredential(), voipPush({ token: deviceToken(9) }));
      await client.send(devTokenCredential(), voipPush({ token: deviceToken(10) }));
      const pushes = (await control(`/pushes?token=${deviceToken(9)}`)).body as {
        pushes: { token: string }[];
      };
      expect(pushes.pushes.map((push) => push.token)).toEqual([deviceToken(9)]);
      const after = (await control('/pushes?since=1')).body as { pushes: { token: string }[]; total: number };
      expect(after.total).toBe(2);
      expect(after.pushes.map((push) => push.token)).toEqual([deviceToken(10)]);
      const reset = (await control('/pushes?since=5')).body as { pushes: unknown[]; total: number };
      expect(reset.pushes).toHaveLength(2);
      const stats = (await control('/stats')).body as { answers: Record<string, number> };
      expect(stats.answers).toEqual({ '410 Unregistered': 1, '200 OK': 2 });
    } finally {
      await client.close();
    }
  });

  it('clears pushes and stats when reset is posted', async () => {
    await raw({});
    expect(await control('/reset', { method: 'POST' })).toEqual({ status: 200, body: { ok: true } });
    expect(simulator.pushes()).toEqual([]);
    expect(simulator.stats().requests).toBe(0);
  });

  it('answers 404 when the route is unknown', async () => {
    expect((await control('/nothing')).status).toBe(404);
  });
});

describe('APNs simulator CLI', () => {
  it('prints its URLs and serves pushes when run as its own process', async () => {
    const child = spawn('node_modules/.bin/tsx', ['local/apns-simulator/main.ts', '--latency-ms', '1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
        createInterface({ input: child.stdout }).on('line', (text) => {
          if (text.startsWith('APNS_SIMULATOR ')) resolve(text);
        });
      });
      const { url, controlUrl } = JSON.parse(line.slice('APNS_SIMULATOR '.length)) as {
        url: string;
        controlUrl: string;
      };
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const client = new ApnsClient({ endpoint: url, ca: devCaPem() });
      const outcome = await client.send(devTokenCredential(), voipPush({ apnsId: randomUUID() }));
      await client.close();
      expect(outcome).toMatchObject({ kind: 'accepted' });
      const health = await fetch(`${controlUrl}/health`);
      expect(await health.json()).toEqual({ ok: true });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 20_000);
});

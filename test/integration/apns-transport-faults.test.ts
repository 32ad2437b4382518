import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { type ApnsSimulator, startApnsSimulator } from '../../local/apns-simulator/simulator';
import { ApnsClient } from '../../shared/adapters/apns/apns-client';
import type { ApnsOutcome } from '../../shared/adapters/apns/apns-transport';
import { deviceToken, voipPush } from '../fixtures/apns/push-request';

const token = devTokenCredential();
let simulator: ApnsSimulator;
let client: ApnsClient;

const sendMany = (count: number, target: ApnsClient = client): Promise<ApnsOutcome[]> =>
  Promise.all(
    Array.from({ length: count }, (_, i) => target.send(token, voipPush({ token: deviceToken(i) }))),
  );
const kinds = (outcomes: ApnsOutcome[]): string[] =>
  outcomes.map((outcome) => (outcome.kind === 'transport-error' ? outcome.error : outcome.kind));

beforeAll(async () => {
  simulator = await startApnsSimulator({ controlPort: false });
  client = new ApnsClient({ endpoint: simulator.url, ca: simulator.caPem, requestTimeoutMs: 500 });
  await sendMany(1);
});
afterEach(() => simulator.reset());
afterAll(async () => {
  await client.close();
  await simulator.close();
});

describe('ApnsClient transport faults', () => {
  it('keeps at most the advertised number of streams open when 50 requests are sent at once', async () => {
    const narrow = await startApnsSimulator({ controlPort: false, maxConcurrentStreams: 2, latencyMs: 5 });
    const narrowClient = new ApnsClient({ endpoint: narrow.url, ca: narrow.caPem });
    try {
      const outcomes = await sendMany(50, narrowClient);
      expect(outcomes.filter((outcome) => outcome.kind === 'accepted')).toHaveLength(50);
      expect(narrow.stats()).toMatchObject({ maxOpenStreams: 2, connections: 1, requests: 50 });
    } finally {
      await narrowClient.close();
      await narrow.close();
    }
  });

  it('follows a lower stream limit when APNs changes its settings on an open connection', async () => {
    const changing = await startApnsSimulator({
      controlPort: false,
      maxConcurrentStreams: 100,
      latencyMs: 5,
    });
    const changingClient = new ApnsClient({ endpoint: changing.url, ca: changing.caPem });
    try {
      await sendMany(40, changingClient);
      expect(changing.stats().maxOpenStreams).toBeGreaterThan(3);
      changing.setMaxConcurrentStreams(3);
      await new Promise((resolve) => setTimeout(resolve, 50));
      changing.reset();
      const outcomes = await sendMany(30, changingClient);
      expect(outcomes.every((outcome) => outcome.kind === 'accepted')).toBe(true);
      expect(changing.stats()).toMatchObject({ maxOpenStreams: 3, requests: 30 });
    } finally {
      await changingClient.close();
      await changing.close();
    }
  });

  it('returns refused requests as goaway, not delivered, when APNs sends GOAWAY mid-batch', async () => {
    simulator.setFaults([{ kind: 'goaway', after: 3, count: 1, reason: 'Shutdown' }]);
    const outcomes = await sendMany(10);
    const refused = outcomes.filter((outcome) => outcome.kind === 'transport-error');
    expect(outcomes.filter((outcome) => outcome.kind === 'accepted')).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ kind: 'transport-error', error: 'goaway', maybeDelivered: false });
      expect(outcome.kind === 'transport-error' && outcome.message).toContain('Shutdown');
    }
    expect(await client.send(token, voipPush())).toMatchObject({ kind: 'accepted' });
    expect(simulator.stats().connections).toBe(1);
  });

  it('returns reset, maybe delivered, when APNs resets the stream', async () => {
    simulator.setFaults([{ kind: 'reset', count: 1 }]);
    const outcome = await client.send(token, voipPush());
    expect(outcome).toMatchObject({ kind: 'transport-error', error: 'reset', maybeDelivered: true });
    expect(await client.send(token, voipPush())).toMatchObject({ kind: 'accepted' });
  });

  it('returns closed, maybe delivered, and reconnects when the connection drops with streams in flight', async () => {
    simulator.setFaults([
      { kind: 'latency', ms: 30, count: 4 },
      { kind: 'drop-connection', after: 4, count: 1 },
    ]);
    const outcomes = await sendMany(5);
    expect(kinds(outcomes)).toEqual(['closed', 'closed', 'closed', 'closed', 'closed']);
    expect(outcomes.every((outcome) => outcome.kind === 'transport-error' && outcome.maybeDelivered)).toBe(
      true,
    );
    expect(await client.send(token, voipPush())).toMatchObject({ kind: 'accepted' });
    expect(simulator.stats().connections).toBe(1);
  });

  it('returns timeout and cancels the stream when APNs never answers', async () => {
    simulator.setFaults([{ kind: 'hang', count: 1 }]);
    const started = performance.now();
    const outcome = await client.send(token, voipPush());
    expect(outcome).toMatchObject({ kind: 'transport-error', error: 'timeout', maybeDelivered: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(await client.send(token, voipPush())).toMatchObject({ kind: 'accepted' });
  });

  it('returns the injected status and reason when APNs is unavailable', async () => {
    simulator.setFaults([{ kind: 'answer', status: 503, reason: 'ServiceUnavailable', count: 2 }]);
    const outcomes = await sendMany(3);
    expect(outcomes.map((outcome) => (outcome.kind === 'rejected' ? outcome.reason : outcome.kind))).toEqual([
      'ServiceUnavailable',
      'ServiceUnavailable',
      'accepted',
    ]);
  });

  it('retries once on a new connection when APNs answers UnrelatedKeyIdInToken', async () => {
    const fresh = new ApnsClient({ endpoint: simulator.url, ca: simulator.caPem });
    simulator.setFaults([{ kind: 'answer', status: 403, reason: 'UnrelatedKeyIdInToken', count: 1 }]);
    try {
      expect(await fresh.send(token, voipPush())).toMatchObject({ kind: 'accepted' });
      expect(simulator.stats()).toMatchObject({
        connections: 2,
        answers: { '403 UnrelatedKeyIdInToken': 1, '200 OK': 1 },
      });
    } finally {
      await fresh.close();
    }
  });

  it('returns the second UnrelatedKeyIdInToken without a third try when the retry fails too', async () => {
    simulator.setFaults([{ kind: 'answer', status: 403, reason: 'UnrelatedKeyIdInToken', count: 3 }]);
    expect(await client.send(token, voipPush())).toMatchObject({
      status: 403,
      reason: 'UnrelatedKeyIdInToken',
    });
    expect(simulator.stats().requests).toBe(2);
  });

  it('pings the connection and keeps it when it has been idle for the ping interval', async () => {
    const pinging = new ApnsClient({ endpoint: simulator.url, ca: simulator.caPem, pingIntervalMs: 40 });
    try {
      await pinging.send(token, voipPush());
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(simulator.stats().pings).toBeGreaterThanOrEqual(1);
      expect(await pinging.send(token, voipPush())).toMatchObject({ kind: 'accepted' });
      expect(simulator.stats().connections).toBe(1);
    } finally {
      await pinging.close();
    }
  });

  it('fails later sends as closed, not delivered, when the client is closed', async () => {
    const closing = new ApnsClient({ endpoint: simulator.url, ca: simulator.caPem });
    await closing.send(token, voipPush());
    await closing.close();
    expect(await closing.send(token, voipPush())).toMatchObject({ error: 'closed', maybeDelivered: false });
  });

  it('returns tls, not delivered, when the TLS handshake fails', async () => {
    const fresh = new ApnsClient({ endpoint: simulator.url, ca: simulator.caPem });
    simulator.setFaults([{ kind: 'tls-failure', count: 1 }]);
    try {
      const outcome = await fresh.send(token, voipPush());
      expect(outcome).toMatchObject({ kind: 'transport-error', error: 'tls', maybeDelivered: false });
      expect(await fresh.send(token, voipPush())).toMatchObject({ kind: 'accepted' });
    } finally {
      await fresh.close();
    }
  });

  it('returns tls when the server certificate is not trusted', async () => {
    const distrustful = new ApnsClient({ endpoint: simulator.url });
    try {
      expect(await distrustful.send(token, voipPush())).toMatchObject({
        error: 'tls',
        maybeDelivered: false,
      });
    } finally {
      await distrustful.close();
    }
  });

  it('returns connect, not delivered, when nothing listens on the port', async () => {
    const nowhere = new ApnsClient({ endpoint: 'https://127.0.0.1:9', connectTimeoutMs: 500 });
    try {
      expect(await nowhere.send(token, voipPush())).toMatchObject({
        error: 'connect',
        maybeDelivered: false,
      });
    } finally {
      await nowhere.close();
    }
  });
});

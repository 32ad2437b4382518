import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { devFcmCredential } from '../../local/fcm-simulator/dev-credentials';
import { type FcmSimulator, startFcmSimulator } from '../../local/fcm-simulator/simulator';
import { FcmClient } from '../../shared/adapters/fcm/fcm-client';
import type { FcmOutcome } from '../../shared/adapters/fcm/fcm-outcome';
import type { FcmCredential } from '../../shared/domain/fcm-credential';
import { fcmToken, ringMessage } from '../fixtures/fcm/messages';
import { withFcmSimulator } from '../support/fcm-simulator';

let simulator: FcmSimulator;
let client: FcmClient;
let credential: FcmCredential;

const sendMany = (count: number, target = client, using = credential): Promise<FcmOutcome[]> =>
  Promise.all(Array.from({ length: count }, (_, i) => target.send(using, ringMessage(fcmToken(i)))));
const transportErrors = (outcomes: FcmOutcome[]) =>
  outcomes.filter((outcome) => outcome.kind === 'transport-error');

beforeAll(async () => {
  simulator = await startFcmSimulator({ controlPort: false });
  credential = devFcmCredential(simulator.tokenUrl);
  client = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem, requestTimeoutMs: 400 });
  await sendMany(1);
  simulator.reset();
});
afterEach(() => simulator.reset());
afterAll(async () => {
  await client.close();
  await simulator.close();
});

describe('FcmClient transport faults', () => {
  it('returns refused requests as goaway, not delivered, and reconnects when FCM sends GOAWAY mid-batch', async () => {
    simulator.setFaults([{ kind: 'goaway', after: 3, count: 1, debug: 'session_timed_out' }]);
    const outcomes = await sendMany(10);
    const refused = transportErrors(outcomes);
    expect(outcomes.filter((outcome) => outcome.kind === 'accepted')).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const outcome of refused) {
      expect(outcome).toMatchObject({ error: 'goaway', maybeDelivered: false });
      expect(outcome.kind === 'transport-error' && outcome.message).toContain('session_timed_out');
    }
    expect(await client.send(credential, ringMessage())).toMatchObject({ kind: 'accepted' });
    expect(simulator.stats().connections).toBe(1);
  });

  it('returns reset, maybe delivered, when FCM resets the stream after the request', async () => {
    simulator.setFaults([{ kind: 'reset', count: 1 }]);
    expect(await client.send(credential, ringMessage())).toMatchObject({
      kind: 'transport-error',
      error: 'reset',
      maybeDelivered: true,
    });
  });

  it('returns reset, not delivered, when FCM refuses the stream', async () => {
    simulator.setFaults([{ kind: 'reset', errorCode: 7, count: 1 }]);
    expect(await client.send(credential, ringMessage())).toMatchObject({
      kind: 'transport-error',
      error: 'reset',
      maybeDelivered: false,
    });
  });

  it('returns closed, maybe delivered, and records nothing when the connection drops before FCM took the message', async () => {
    simulator.setFaults([{ kind: 'drop-connection', when: 'before-accept', count: 1 }]);
    expect(await client.send(credential, ringMessage())).toMatchObject({
      kind: 'transport-error',
      error: 'closed',
      maybeDelivered: true,
    });
    expect(simulator.messages()).toHaveLength(0);
    expect(simulator.stats().faults).toEqual({ 'drop-connection:before-accept': 1 });
    expect(await client.send(credential, ringMessage())).toMatchObject({ kind: 'accepted' });
  });

  it('returns closed, maybe delivered, while FCM recorded the message when the connection drops after it took it', async () => {
    simulator.setFaults([{ kind: 'drop-connection', when: 'after-accept', count: 1 }]);
    expect(await client.send(credential, ringMessage(fcmToken(9)))).toMatchObject({
      kind: 'transport-error',
      error: 'closed',
      maybeDelivered: true,
    });
    expect(simulator.messages()).toEqual([
      expect.objectContaining({ token: fcmToken(9), droppedAfterAccept: true }),
    ]);
  });

  it('returns timeout, maybe delivered, when FCM never answers a written request', async () => {
    simulator.setFaults([{ kind: 'hang', count: 1 }]);
    const outcome = await client.send(credential, ringMessage());
    expect(outcome).toMatchObject({ kind: 'transport-error', error: 'timeout', maybeDelivered: true });
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(390);
  });

  it('moves queued requests to a new session when the connection drops with them waiting', () =>
    withFcmSimulator({ maxConcurrentStreams: 2 }, { requestTimeoutMs: 2000 }, async (narrow) => {
      await narrow.client.send(narrow.credential, ringMessage());
      narrow.simulator.setFaults([{ kind: 'drop-connection', count: 1, after: 1 }]);
      const outcomes = await sendMany(12, narrow.client, narrow.credential);
      const failed = transportErrors(outcomes);
      expect(failed.length).toBeGreaterThanOrEqual(1);
      expect(failed.length).toBeLessThanOrEqual(2);
      expect(outcomes.filter((outcome) => outcome.kind === 'accepted').length).toBe(12 - failed.length);
    }));

  it('returns tls, not delivered, when the TLS handshake fails', async () => {
    const another = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem });
    simulator.setFaults([{ kind: 'tls-failure', after: 1, count: 1 }]);
    try {
      // The first connection is the token request's; the FCM session's is the one that fails.
      expect(await another.send(credential, ringMessage())).toMatchObject({
        kind: 'transport-error',
        error: 'tls',
        maybeDelivered: false,
      });
    } finally {
      await another.close();
    }
  });

  it('returns a retryable token error, nothing sent, when the certificate of token_uri is not trusted', async () => {
    const untrusting = new FcmClient({ endpoint: simulator.url });
    const outcome = await untrusting.send(credential, ringMessage());
    expect(outcome).toMatchObject({ kind: 'token-error', retryable: true });
    expect(outcome.kind === 'token-error' && outcome.message).toContain('unreachable');
    expect(simulator.stats().requests).toBe(0);
    await untrusting.close();
  });

  it('returns connect, not delivered, when nothing listens at the endpoint', async () => {
    const port = await closedPort();
    const nowhere = new FcmClient({
      endpoint: `https://127.0.0.1:${port}`,
      ca: simulator.caPem,
      connectTimeoutMs: 500,
    });
    try {
      expect(await nowhere.send(credential, ringMessage())).toMatchObject({
        kind: 'transport-error',
        error: 'connect',
        maybeDelivered: false,
      });
    } finally {
      await nowhere.close();
    }
  });

  // The first request goes out before the simulator's SETTINGS (window 0) arrive; later bodies stall.
  it('returns timeout, not delivered, when the request body could never be written', () =>
    withFcmSimulator({ initialWindowSize: 0 }, { requestTimeoutMs: 300 }, async (stalled) => {
      await stalled.client.send(stalled.credential, ringMessage());
      expect(await stalled.client.send(stalled.credential, ringMessage())).toMatchObject({
        kind: 'transport-error',
        error: 'timeout',
        maybeDelivered: false,
      });
    }));

  it('returns closed, not delivered, when the connection drops while the body is still unwritten', () =>
    withFcmSimulator({ initialWindowSize: 0 }, { requestTimeoutMs: 3000 }, async (stalled) => {
      await stalled.client.send(stalled.credential, ringMessage());
      const pending = stalled.client.send(stalled.credential, ringMessage());
      await new Promise((resolve) => setTimeout(resolve, 100));
      stalled.simulator.dropConnections();
      const outcome = await pending;
      expect(outcome).toMatchObject({ kind: 'transport-error', error: 'closed', maybeDelivered: false });
      expect(outcome.kind === 'transport-error' && outcome.message).toContain('not fully written');
    }));

  it('opens a new session for the next request when the previous one was dropped', async () => {
    simulator.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await client.send(credential, ringMessage())).toMatchObject({ kind: 'accepted' });
    expect(simulator.stats().connections).toBe(1);
  });
});

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

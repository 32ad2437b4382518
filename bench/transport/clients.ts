import { randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import { createRequire } from 'node:module';
import { devCaPem, devKeyPaths, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { ApnsClient } from '../../shared/adapters/apns/apns-client';
import { TOPIC } from './fixtures';

export type ClientName = 'ours' | 'bare' | 'apns2' | 'node-apn';
export const CLIENT_NAMES: readonly ClientName[] = ['ours', 'bare', 'apns2', 'node-apn'];

/** A client under test: `send` resolves true when the simulator accepted the push (200). */
export interface BenchClient {
  send(token: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface ClientSetup {
  readonly url: string;
  readonly payload: string;
  /** apns-expiration, epoch seconds. */
  readonly expiration: number;
}

const TEAM_ID = 'DEVTEAM001';
const KEY_ID = 'DEVKEY0001';

/** Builds one client pointed at the simulator with token auth (the dev key) and the test CA. */
export async function createClient(name: ClientName, setup: ClientSetup): Promise<BenchClient> {
  switch (name) {
    case 'ours':
      return ours(setup);
    case 'bare':
      return bare(setup);
    case 'apns2':
      return apns2(setup);
    case 'node-apn':
      return nodeApn(setup);
  }
}

function ours(setup: ClientSetup): BenchClient {
  const client = new ApnsClient({ endpoint: setup.url, ca: devCaPem() });
  const credential = devTokenCredential();
  return {
    send: async (token) => {
      const outcome = await client.send(credential, {
        token,
        environment: 'sandbox',
        pushType: 'voip',
        topic: TOPIC,
        priority: 10,
        expiration: setup.expiration,
        apnsId: randomUUID(),
        payload: setup.payload,
      });
      return outcome.kind === 'accepted';
    },
    close: () => client.close(),
  };
}

/** The practical limit: one session, the JWT minted once, the same headers as ours, nothing else. */
function bare(setup: ClientSetup): BenchClient {
  const session = http2Connect(setup.url, { ca: devCaPem() });
  session.on('error', () => {});
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: KEY_ID })).toString('base64url');
  const claims = Buffer.from(JSON.stringify({ iss: TEAM_ID, iat: Math.floor(Date.now() / 1000) })).toString(
    'base64url',
  );
  const input = `${header}.${claims}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: readFileSync(devKeyPaths.tokenSigningKey, 'utf8'),
    dsaEncoding: 'ieee-p1363',
  }).toString('base64url');
  const authorization = `bearer ${input}.${signature}`;
  const expiration = String(setup.expiration);
  return {
    send: (token) =>
      new Promise((resolve) => {
        const stream = session.request({
          ':method': 'POST',
          ':path': `/3/device/${token}`,
          'apns-push-type': 'voip',
          'apns-topic': TOPIC,
          'apns-priority': '10',
          'apns-expiration': expiration,
          'apns-id': randomUUID(),
          'content-type': 'application/json',
          authorization,
        });
        let status = 0;
        stream.on('response', (headers) => {
          status = Number(headers[':status']);
        });
        stream.on('error', () => {});
        stream.on('close', () => resolve(status === 200));
        stream.resume();
        stream.end(setup.payload);
      }),
    close: () => new Promise((resolve) => session.close(() => resolve())),
  };
}

/**
 * apns2 12.x builds `new Pool('https://<host>:443')` with no port or CA option. Its own code path is kept
 * (`send` → `this.client.request`), but the pool is swapped for one with the same settings pointed at the
 * simulator's port and trusting the test CA.
 */
async function apns2(setup: ClientSetup): Promise<BenchClient> {
  const { ApnsClient: Apns2Client, Notification, PushType, Priority } = await import('apns2');
  const { Pool } = await import('undici');
  const client = new Apns2Client({
    team: TEAM_ID,
    keyId: KEY_ID,
    signingKey: readFileSync(devKeyPaths.tokenSigningKey, 'utf8'),
    defaultTopic: TOPIC,
    host: '127.0.0.1',
  });
  await client.client.close();
  (client as unknown as { client: unknown }).client = new Pool(setup.url, {
    connections: 32,
    pipelining: 1,
    allowH2: true,
    maxConcurrentStreams: 100,
    connect: { ca: devCaPem() },
  });
  const data = JSON.parse(setup.payload) as Record<string, unknown>;
  return {
    send: async (token) => {
      const note = new Notification(token, {
        type: PushType.voip,
        topic: TOPIC,
        priority: Priority.immediate,
        expiration: setup.expiration,
        data,
      });
      try {
        await client.send(note);
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}

interface NodeApnModule {
  Provider: new (
    options: Record<string, unknown>,
  ) => {
    send(note: unknown, token: string): Promise<{ sent: unknown[]; failed: unknown[] }>;
    shutdown(): Promise<void> | void;
  };
  Notification: new () => Record<string, unknown>;
}

/** @parse/node-apn: `address` + `port` + `ca` point it at the simulator; one Notification reused (its best case). */
function nodeApn(setup: ClientSetup): BenchClient {
  const apn = createRequire(import.meta.url)('@parse/node-apn') as NodeApnModule;
  const port = Number(new URL(setup.url).port);
  const provider = new apn.Provider({
    token: { key: readFileSync(devKeyPaths.tokenSigningKey, 'utf8'), keyId: KEY_ID, teamId: TEAM_ID },
    address: '127.0.0.1',
    port,
    ca: devCaPem(),
    production: false,
    requestTimeout: 5000,
  });
  const note = new apn.Notification();
  note.topic = TOPIC;
  note.pushType = 'voip';
  note.priority = 10;
  note.expiry = setup.expiration;
  note.payload = JSON.parse(setup.payload);
  return {
    send: async (token) => {
      const result = await provider.send(note, token);
      return result.sent.length === 1;
    },
    close: async () => {
      await provider.shutdown();
    },
  };
}

import https, { Agent, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { devFcmCredential, devServiceAccountJson } from '../../local/fcm-simulator/dev-credentials';
import { FcmClient } from '../../shared/adapters/fcm/fcm-client';
import type { CallEvent } from '../../shared/domain/call-event';
import { buildFcmMessage } from '../../shared/domain/fcm-message';

export type FcmClientName = 'ours' | 'firebase-admin';
export const FCM_CLIENT_NAMES: readonly FcmClientName[] = ['ours', 'firebase-admin'];

/** A client under test: `send` resolves true when the simulator accepted the message (200). */
export interface FcmBenchClient {
  send(token: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface FcmClientSetup {
  /** The simulator: `https://127.0.0.1:<port>`, its token URL and CA. */
  readonly url: string;
  readonly tokenUrl: string;
  readonly caPem: string;
}

/** The call every bench message rings for (a realistic ≈ 200-byte payload). */
export function benchCall(): CallEvent {
  return {
    version: 1,
    type: 'incoming_call',
    callId: 'c-bench-0001',
    recipients: ['user-1'],
    caller: { id: 'user-9', displayName: 'Ada Lovelace', handle: '+15550100' },
    media: 'audio',
    createdAt: new Date().toISOString(),
    ringTimeoutSeconds: 120,
    data: { room: 'r-1' },
  };
}

export function createFcmClient(name: FcmClientName, setup: FcmClientSetup): Promise<FcmBenchClient> {
  return name === 'ours' ? Promise.resolve(ours(setup)) : firebaseAdmin(setup);
}

/** The project's client with the dev credential; the message is built per push, as the sender will. */
function ours(setup: FcmClientSetup): FcmBenchClient {
  const client = new FcmClient({ endpoint: setup.url, ca: setup.caPem });
  const credential = devFcmCredential(setup.tokenUrl);
  const call = benchCall();
  return {
    send: async (token) => {
      const built = buildFcmMessage(call, token, Date.now());
      if (!built.ok) return false;
      return (await client.send(credential, built.message)).kind === 'accepted';
    },
    close: () => client.close(),
  };
}

const GOOGLE_HOSTS = new Set(['fcm.googleapis.com', 'oauth2.googleapis.com']);

/**
 * An https.Agent with the global agent's settings (keep-alive, lifo, no socket limit) whose sockets go
 * to the simulator: firebase-admin's `send()` posts to https://fcm.googleapis.com and google-auth-library
 * to https://oauth2.googleapis.com/token, both fixed. Any other host is refused, so nothing leaves loopback.
 */
class SimulatorAgent extends Agent {
  constructor(private readonly setup: FcmClientSetup) {
    super({ keepAlive: true, scheduling: 'lifo', timeout: 5000, ca: setup.caPem });
  }

  override createConnection(
    options: RequestOptions,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const host = String(options.host ?? options.hostname);
    if (!GOOGLE_HOSTS.has(host)) throw new Error(`the bench refuses a connection to ${host}`);
    const { port } = new URL(this.setup.url);
    const target = {
      ...options,
      host: '127.0.0.1',
      port: Number(port),
      servername: '',
      ca: this.setup.caPem,
    };
    return super.createConnection(target, callback);
  }
}

/**
 * firebase-admin's `messaging().send()`, unchanged: its credential is the same dev service account, and
 * its requests go through an agent pointed at the simulator. The send takes it as `httpAgent`; the token
 * request does not (firebase-admin 14 builds its google-auth-library client with `fromJSON(json)`, which
 * drops the agent), so the agent also stands in for Node's global one in this process.
 */
async function firebaseAdmin(setup: FcmClientSetup): Promise<FcmBenchClient> {
  const { cert, deleteApp, initializeApp } = await import('firebase-admin/app');
  const { getMessaging } = await import('firebase-admin/messaging');
  const agent = new SimulatorAgent(setup);
  https.globalAgent = agent;
  const serviceAccount = devServiceAccountJson(setup.tokenUrl);
  const app = initializeApp(
    {
      credential: cert(serviceAccount, agent),
      httpAgent: agent,
      projectId: String(serviceAccount.project_id),
    },
    `bench-${process.pid}`,
  );
  const messaging = getMessaging(app);
  const built = buildFcmMessage(benchCall(), 'x', Date.now());
  if (!built.ok) throw new Error('bench message does not fit');
  const data = built.message.data;
  return {
    send: async (token) => {
      try {
        await messaging.send({ token, data, android: { priority: 'high', ttl: 120_000 } });
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await deleteApp(app);
      agent.destroy();
    },
  };
}

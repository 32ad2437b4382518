import type { Message } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { freePort } from './free-port';

export interface LocalSqs {
  readonly endpoint: string;
  /** The address fauxqs listens on: always loopback. */
  readonly listensOn: '127.0.0.1';
  /**
   * Every message of a queue (ready, delayed and in flight) without receiving it, shaped like
   * ReceiveMessage's: SQS has no peek, and receiving to look would count a receive and hide it.
   */
  peek(queueUrl: string): Message[];
  stop(): Promise<void>;
}

/** fauxqs's own stores and SQLite persistence (not in its exports map; see `loadInternals`). */
interface Store {
  persistence?: unknown;
}
interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly messageAttributes: Record<string, { DataType: string; StringValue?: string }>;
  readonly sentTimestamp: number;
  readonly approximateReceiveCount: number;
}
interface SqsStoreInternal extends Store {
  allQueues(): Iterable<Store>;
  inspectQueue(name: string):
    | {
        messages: {
          ready: StoredMessage[];
          delayed: StoredMessage[];
          inflight: { message: StoredMessage }[];
        };
      }
    | undefined;
}
interface FauxqsInternals {
  readonly SqsStore: new () => SqsStoreInternal;
  readonly SnsStore: new () => Store;
  readonly S3Store: new () => Store;
  readonly PersistenceManager: new (
    dataDir: string,
  ) => { load(sqs: unknown, sns: unknown, s3: unknown): void; close(): void };
}

/**
 * fauxqs's `startFauxqs` listens on 0.0.0.0 (hard-coded): anyone on the network could then read and
 * write the queues. Its exported `buildApp` takes the stores and leaves `listen` to the caller, but the
 * stores and the SQLite persistence that `startFauxqs` wires around it are not exported, so they are
 * loaded from the pinned package's files next to its entry point. The wiring below is what
 * `startFauxqs` does for `dataDir` (fauxqs 2.4.1), minus the spy, init file and S3 file storage.
 */
async function loadInternals(): Promise<FauxqsInternals> {
  const entry = import.meta.resolve('fauxqs');
  const load = (path: string) => import(new URL(path, entry).href);
  const [sqs, sns, s3, persistence] = await Promise.all([
    load('./sqs/sqsStore.js'),
    load('./sns/snsStore.js'),
    load('./s3/s3Store.js'),
    load('./persistence.js'),
  ]);
  return {
    SqsStore: sqs.SqsStore,
    SnsStore: sns.SnsStore,
    S3Store: s3.S3Store,
    PersistenceManager: persistence.PersistenceManager,
  };
}

/** Starts the fauxqs SQS emulator in this process, listening on 127.0.0.1 only. */
export async function startLocalSqs(options: { port?: number; dataDir?: string } = {}): Promise<LocalSqs> {
  const port = options.port ?? (await freePort());
  const internals = await loadInternals();
  const sqsStore = new internals.SqsStore();
  const snsStore = new internals.SnsStore();
  const s3Store = new internals.S3Store();
  const persistence = options.dataDir ? new internals.PersistenceManager(options.dataDir) : undefined;
  if (persistence) {
    // Loaded before the stores get their persistence, as startFauxqs does (no re-writes while loading).
    persistence.load(sqsStore, snsStore, s3Store);
    sqsStore.persistence = persistence;
    snsStore.persistence = persistence;
    s3Store.persistence = persistence;
    for (const queue of sqsStore.allQueues()) queue.persistence = persistence;
  }
  const app = buildApp({
    logger: false,
    host: 'localhost',
    stores: { sqsStore, snsStore, s3Store } as unknown as NonNullable<
      Parameters<typeof buildApp>[0]
    >['stores'],
  });
  if (persistence) app.addHook('preClose', () => persistence.close());
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    endpoint: `http://127.0.0.1:${actualPort}`,
    listensOn: '127.0.0.1',
    peek(queueUrl) {
      const name = new URL(queueUrl).pathname.split('/').filter(Boolean).pop() ?? '';
      const queue = sqsStore.inspectQueue(name);
      if (!queue) return [];
      const { ready, delayed, inflight } = queue.messages;
      return [...ready, ...delayed, ...inflight.map((entry) => entry.message)]
        .sort((a, b) => a.sentTimestamp - b.sentTimestamp)
        .map((message) => ({
          MessageId: message.messageId,
          Body: message.body,
          Attributes: {
            SentTimestamp: String(message.sentTimestamp),
            ApproximateReceiveCount: String(message.approximateReceiveCount),
          },
          MessageAttributes: message.messageAttributes,
        }));
    },
    stop: async () => {
      await app.close();
    },
  };
}

/**
 * The local console: an HTTP server on 127.0.0.1 that serves a small page and the API of
 * `console-routes.ts`, fed by the stack's sources: the sender's `push attempt` lines (a tap on the
 * stack's output), each provider simulator's records and fault control, the phones' events, the
 * devices table and the DLQ. It only reads what the stack already runs and sends what a user could.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LogFn } from '../api-server';
import type { LogLineSource } from '../log-lines';
import type { PhoneEventSource } from '../phone-events';
import { LOCAL_CREDENTIALS } from '../services/dynamodb-local';
import { ConsoleHttpError, sendJson } from './console-http';
import { PAGE_SECURITY_HEADERS, pageAsset } from './console-page';
import { type ConsoleContext, findRoute } from './console-routes';
import type { ConsoleStatus, FaultState, NetworkExposure } from './console-types';
import { EventStream } from './event-stream';
import { PushJournal } from './push-journal';
import { apnsSimulatorPushes } from './sources/apns-simulator-pushes';
import { DeadLetters, type QueuePeek } from './sources/dead-letters';
import { DeviceDirectory } from './sources/devices';
import { fcmSimulatorPushes } from './sources/fcm-simulator-pushes';
import type { ProviderPushSource } from './sources/provider-pushes';
import { watchPushAttempts } from './sources/sender-attempts';
import { type FaultControl, simulatorFaults } from './sources/simulator-faults';
import { placeTestCall } from './sources/test-call';

/** A provider simulator the console reads pushes from and sets faults on. */
export interface SimulatorLink {
  /** `ios` for the APNs simulator, `android` for the FCM simulator. */
  readonly platform: string;
  readonly controlUrl: string;
}

/** How each platform's simulator records become push records; a new provider adds its entry. */
const PUSH_SOURCES: Readonly<Record<string, (controlUrl: string) => ProviderPushSource>> = {
  ios: (controlUrl) => apnsSimulatorPushes(controlUrl),
  android: (controlUrl) => fcmSimulatorPushes(controlUrl),
};

export interface ConsoleOptions {
  /** Preferred port; taken when free, else any free port. 0: any free port. */
  readonly port: number;
  /** READY's fields, shown on the page (no secrets in them). */
  readonly stack: Readonly<Record<string, string | undefined>>;
  readonly region: string;
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** Reads a queue without receiving (fauxqs in process). */
  readonly peekQueue: QueuePeek;
  readonly dynamoClient: DynamoDBClient;
  readonly devicesTable: string;
  /** The stack's output as parsed lines; without it the pushes panel has only the simulators' side. */
  readonly logLines?: LogLineSource;
  readonly simulators: readonly SimulatorLink[];
  readonly phoneEvents?: PhoneEventSource;
  readonly network: readonly NetworkExposure[];
  readonly log: LogFn;
}

export interface LocalConsole {
  readonly url: string;
  stop(): Promise<void>;
}

const LATENCY_EVERY_MS = 500;
const DLQ_EVERY_MS = 1000;

async function listen(server: Server, port: number): Promise<void> {
  const attempt = (wanted: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wanted, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await attempt(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    await attempt(0);
  }
}

export async function startConsole(options: ConsoleOptions): Promise<LocalConsole> {
  const { log } = options;
  const sqs = new SQSClient({
    endpoint: options.sqsEndpoint,
    region: options.region,
    credentials: LOCAL_CREDENTIALS,
  });
  const devices = new DeviceDirectory(
    DynamoDBDocumentClient.from(options.dynamoClient),
    options.devicesTable,
  );
  const deadLetters = new DeadLetters(sqs, options.dlqUrl, options.queueUrl, options.peekQueue);
  const events = new EventStream();
  const faults = new Map<string, FaultControl>(
    options.simulators.map((link) => [link.platform, simulatorFaults(link.platform, link.controlUrl)]),
  );
  let latencyDirty = false;
  let resolving: NodeJS.Timeout | undefined;
  const journal = new PushJournal({
    ownerOf: (hash) => devices.ownerOf(hash),
    onChange: (change) => {
      latencyDirty = true;
      events.send(change.kind, change.row as never);
      // A push to a device registered since the last read: read the devices again, shortly.
      if (change.kind === 'push' && !change.row.userId && !resolving) {
        resolving = setTimeout(() => {
          resolving = undefined;
          devices
            .refresh()
            .then(() => journal.resolveOwners())
            .catch((error: unknown) =>
              log('error', 'console could not read devices', { error: String(error) }),
            );
        }, 200);
      }
    },
  });

  const stops: Array<() => void | Promise<void>> = [];
  if (options.logLines)
    stops.push(watchPushAttempts(options.logLines, (attempt) => journal.addAttempt(attempt)));
  for (const link of options.simulators) {
    const source = PUSH_SOURCES[link.platform]?.(link.controlUrl);
    if (!source) continue;
    source.start(
      (record) => journal.addProviderRecord(record),
      (error) =>
        log('error', 'console could not read simulator pushes', {
          platform: link.platform,
          error: String(error),
        }),
    );
    stops.push(() => source.stop());
  }
  if (options.phoneEvents) {
    for (const event of options.phoneEvents.recent()) journal.addPhoneEvent(event);
    stops.push(options.phoneEvents.subscribe((event) => journal.addPhoneEvent(event)));
  }

  let dlqCount = 0;
  const recountDlq = async () => {
    try {
      const count = deadLetters.count();
      if (count !== dlqCount) {
        dlqCount = count;
        events.send('dlq', { count });
      }
    } catch (error) {
      log('error', 'console could not read the DLQ', { error: String(error) });
    }
  };
  const timers = [
    setInterval(() => {
      if (!latencyDirty || events.size === 0) return;
      latencyDirty = false;
      events.send('latency', journal.latency());
    }, LATENCY_EVERY_MS),
    setInterval(() => {
      if (events.size > 0) void recountDlq();
    }, DLQ_EVERY_MS),
  ];
  for (const timer of timers) timer.unref();

  const status = (): ConsoleStatus => ({
    stack: options.stack,
    network: options.network,
    faultTargets: [...faults.keys()],
    phones: options.phoneEvents !== undefined,
  });
  const context: ConsoleContext = {
    status,
    journal,
    devices,
    deadLetters,
    faults,
    placeCall: (input) => placeTestCall(sqs, options.queueUrl, input),
    events,
    snapshot: async () => {
      await recountDlq();
      const targets = await Promise.all(
        [...faults.values()].map(async (control) => ({
          platform: control.platform,
          faults: await control.list().catch(() => []),
        })),
      );
      return {
        pushes: journal.pushes(200),
        phones: journal.phones(200),
        latency: journal.latency(),
        dlq: { count: dlqCount },
        faults: targets,
      };
    },
    dlqChanged: () => void recountDlq(),
    faultsChanged: (state: FaultState) => events.send('faults', state),
  };

  const sockets = new Set<Socket>();
  const server = createServer({ requestTimeout: 30_000 }, (req, res) => {
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      sendJson(res, 400, new ConsoleHttpError(400, 'invalid_request', 'malformed request target').body());
      return;
    }
    void (async () => {
      if (!url.pathname.startsWith('/api/')) {
        const asset = method === 'GET' || method === 'HEAD' ? await pageAsset(url.pathname) : undefined;
        if (!asset) throw new ConsoleHttpError(404, 'not_found', `no page ${url.pathname}`);
        res.writeHead(200, {
          'content-type': asset.type,
          'cache-control': 'no-store',
          ...PAGE_SECURITY_HEADERS,
        });
        res.end(method === 'HEAD' ? undefined : asset.body);
        return;
      }
      const { route, params } = findRoute(method, url.pathname);
      const answer = await route.handle(context, req, res, url, params);
      if (answer !== 'stream') sendJson(res, answer[0], answer[1]);
    })().catch((error: unknown) => {
      if (error instanceof ConsoleHttpError) {
        sendJson(res, error.status, error.body(), error.headers);
        return;
      }
      // A service behind the console failed (SQS, DynamoDB, a simulator): said so, and the stack goes on.
      log('error', 'console request failed', { method, path: url.pathname, error: String(error) });
      sendJson(res, 502, {
        error: { code: 'upstream_failed', message: error instanceof Error ? error.message : String(error) },
      });
    });
  });
  server.on('clientError', (_error, socket: Socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await listen(server, options.port);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  void devices.refresh().catch(() => undefined);

  return {
    url,
    async stop() {
      for (const timer of timers) clearInterval(timer);
      clearTimeout(resolving);
      events.close();
      await Promise.allSettled(stops.map((stopOne) => stopOne()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      sqs.destroy();
    },
  };
}

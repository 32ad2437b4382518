import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { deployedFunctions } from '../../local/functions/build';
import { localApps } from '../../local/functions/local-apps';
import { handlerModule } from '../../local/functions/manifest';
import { phonesFor } from '../../local/phone-app';
import {
  type DynamoDbLocal,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from '../../local/services/dynamodb-local';
import { freePort } from '../../local/services/free-port';
import { EnvName } from '../../shared/platform/env-names';
import { checkRings } from '../support/conservation';
import type { JsonLine } from '../support/log-capture';
import { SenderHarness } from './sender-harness';
import {
  type LatencyFigures,
  latencyFigures,
  type MemoryFigures,
  type MemorySample,
  memoryFigures,
  recordedReasons,
  ringViolations,
} from './soak-figures';
import type { SoakChildMessage } from './soak-sender';
import { queueDepth } from './sqs-poller';

/**
 * The soak: sustained 1:1 and small group calls to iPhones and Android phones through the deployed sender
 * bundle (the `cdk synth` asset) running in a child process (test/reliability/soak-sender.ts), while the APNs and FCM
 * connections drop every 30 s, both answer 503 bursts and DynamoDB Local restarts once. Then the queue
 * drains and every ring is counted at the phone (test/support/conservation.ts `checkRings`), with the
 * child's RSS after warm-up against its RSS at the end. Needs fauxqs at TEST_SQS_ENDPOINT.
 */
export interface SoakOptions {
  /** How long calls are published. */
  readonly loadMs: number;
  /** @default 4 */
  readonly callsPerSecond?: number;
  /** Users with an iPhone and an Android phone each. @default 40 */
  readonly users?: number;
  /** @default 30000 */
  readonly dropEveryMs?: number;
  /** @default 60000, the first at 20 s */
  readonly burstEveryMs?: number;
  /** Requests each 503 burst answers, per platform. @default 20 */
  readonly burstSize?: number;
  /** Where in the load DynamoDB Local restarts. @default 0.5 */
  readonly restartAt?: number;
  /** Where the warm-up ends and the RSS baseline window starts. @default 0.2 */
  readonly warmupFraction?: number;
  /** @default loadMs / 100, 1-5 s */
  readonly sampleMs?: number;
  /** As deployed: the sender timeout, 6x it as the visibility timeout, 3 receives. */
  readonly functionTimeoutMs?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  /** How long the queue may take to empty after the load. @default visibility timeout + 30 s */
  readonly drainMaxMs?: number;
  readonly progress?: (line: string) => void;
  /** Appends everything the sender printed to this file. */
  readonly logFile?: string;
}

export interface SoakReport {
  readonly loadMs: number;
  readonly calls: number;
  /** Devices over all calls: each must ring once or end with a recorded reason. */
  readonly devices: number;
  readonly pushes: { readonly apns: number; readonly fcm: number };
  readonly rings: number;
  readonly lost: number;
  readonly doubled: number;
  /** Violations that are neither (pushes for unknown calls or devices). */
  readonly otherViolations: number;
  /** Repeats the phones de-duplicated (pushes that were not rings). */
  readonly repeats: number;
  readonly reasons: Record<string, number>;
  /** First few violations of any kind. */
  readonly violations: string[];
  readonly faults: { readonly apns: Record<string, number>; readonly fcm: Record<string, number> };
  readonly dynamoOutageMs: number | undefined;
  readonly drainMs: number;
  /** Queue depth when the drain ended (0 unless it timed out). */
  readonly leftInQueue: number;
  readonly memory: MemoryFigures;
  readonly latencyMs: LatencyFigures;
  /** ERROR and WARN lines of the sender, by message. */
  readonly errorLines: Record<string, number>;
  readonly childExit: number | null;
  readonly secretFindings: string[];
}

/** What makes the soak fail; empty when it passed. */
export function soakProblems(report: SoakReport, maxGrowthPct = 10): string[] {
  const problems: string[] = [];
  if (report.lost > 0) problems.push(`${report.lost} ring(s) lost`);
  if (report.doubled > 0) problems.push(`${report.doubled} device(s) rang twice`);
  if (report.otherViolations > 0)
    problems.push(`${report.otherViolations} other violation(s): ${report.violations.join('; ')}`);
  if (!(report.memory.growthPct <= maxGrowthPct))
    problems.push(
      `sender RSS grew ${report.memory.growthPct.toFixed(1)} % after warm-up (> ${maxGrowthPct} %)`,
    );
  if (report.leftInQueue > 0) problems.push(`${report.leftInQueue} message(s) still queued after the drain`);
  if (report.dynamoOutageMs === undefined) problems.push('DynamoDB Local was not restarted');
  const fired = (faults: Record<string, number>, kind: string) =>
    Object.entries(faults).some(([k, n]) => k.startsWith(kind) && n > 0);
  if (!fired(report.faults.apns, 'drop-connection') || !fired(report.faults.fcm, 'drop-connection'))
    problems.push('a connection drop never fired');
  if (!fired(report.faults.apns, 'answer') || !fired(report.faults.fcm, 'answer'))
    problems.push('a 503 burst never fired');
  if (report.childExit !== 0) problems.push(`the sender process exited with ${report.childExit}`);
  if (report.secretFindings.length > 0) problems.push(`secrets in logs: ${report.secretFindings.join(', ')}`);
  return problems;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The sender child: the deployed bundle, in the handler's environment pointed at the local services. */
function startSender(
  bundle: { readonly file: string; readonly exportName: string },
  h: SenderHarness,
  caDir: string,
  dynamodbEndpoint: string,
  functionTimeoutMs: number,
  sampleMs: number,
): ChildProcess {
  const apnsCa = join(caDir, 'apns-ca.pem');
  const fcmCa = join(caDir, 'fcm-ca.pem');
  writeFileSync(apnsCa, h.simulator.caPem);
  writeFileSync(fcmCa, h.fcmSimulator.caPem);
  const { NODE_OPTIONS: _jestOptions, ...inherited } = process.env;
  return spawn(
    process.execPath,
    ['--import', 'tsx', '--no-warnings=ExperimentalWarning', 'test/reliability/soak-sender.ts'],
    {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...inherited,
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        [EnvName.devicesTable]: h.tables.devices,
        [EnvName.deliveriesTable]: h.tables.deliveries,
        [EnvName.apnsCredentialsFile]: h.credentialsFile,
        [EnvName.fcmCredentialsFile]: h.fcmCredentialsFile,
        [EnvName.apnsEndpoint]: h.simulator.url,
        [EnvName.apnsCaFile]: apnsCa,
        [EnvName.fcmEndpoint]: h.fcmSimulator.url,
        [EnvName.fcmCaFile]: fcmCa,
        [EnvName.dlqUrl]: h.dlqUrl,
        [EnvName.callQueueUrl]: h.queueUrl,
        [EnvName.dynamodbEndpoint]: dynamodbEndpoint,
        [EnvName.sqsEndpoint]: process.env.TEST_SQS_ENDPOINT as string,
        NODE_OPTIONS: '--enable-source-maps',
        SOAK_SENDER_MODULE: bundle.file,
        SOAK_SENDER_EXPORT: bundle.exportName,
        SOAK_FUNCTION_TIMEOUT_MS: String(functionTimeoutMs),
        SOAK_SAMPLE_MS: String(sampleMs),
      },
    },
  );
}

/** Picks the recipients of call `i`: three in four are 1:1, the rest groups of three. */
function recipientsOf(i: number, users: readonly string[]): string[] {
  const size = i % 4 === 3 ? 3 : 1;
  const first = Math.floor(Math.random() * users.length);
  return Array.from({ length: size }, (_, k) => users[(first + k * 7) % users.length] as string);
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const loadMs = options.loadMs;
  const rate = options.callsPerSecond ?? 4;
  const functionTimeoutMs = options.functionTimeoutMs ?? 30_000;
  const visibility = options.visibilityTimeoutSeconds ?? (functionTimeoutMs / 1000) * 6;
  const sampleMs = options.sampleMs ?? Math.min(5000, Math.max(1000, Math.round(loadMs / 100)));
  const progress = options.progress ?? (() => {});
  const bundle = handlerModule((await deployedFunctions(localApps({}))).functions.sender);
  const dataDir = mkdtempSync(join(tmpdir(), 'voip-push-soak-'));
  const port = await freePort();
  let dynamo: DynamoDbLocal | undefined = await startDynamoDbLocal({ port, dataDir });
  let h: SenderHarness | undefined;
  let child: ChildProcess | undefined;
  try {
    h = await SenderHarness.start({
      name: 'soak',
      dynamodbEndpoint: dynamo.endpoint,
      visibilityTimeoutSeconds: visibility,
      maxReceiveCount: options.maxReceiveCount ?? 3,
    });
    const users = Array.from({ length: options.users ?? 40 }, (_, i) => `soak-u${i}`);
    await h.seedDevices(users, 2, 'alternate');

    const sender = startSender(bundle, h, dataDir, dynamo.endpoint, functionTimeoutMs, sampleMs);
    child = sender;
    const exited = new Promise<number | null>((resolve) => sender.once('exit', resolve));
    const lines: JsonLine[] = [];
    const errorLines: Record<string, number> = {};
    const textChunks: string[] = [];
    let stderr = '';
    const read = (line: string) => {
      textChunks.push(line);
      if (options.logFile) appendFileSync(options.logFile, `${line}\n`);
      if (!line.startsWith('{')) {
        stderr = `${stderr}${line}\n`.slice(-4000);
        return;
      }
      try {
        const parsed = JSON.parse(line) as JsonLine;
        if (typeof parsed.callId === 'string') lines.push(parsed);
        if (parsed.level === 'ERROR' || parsed.level === 'WARN') {
          const label = `${parsed.level} ${parsed.message}`;
          errorLines[label] = (errorLines[label] ?? 0) + 1;
        }
      } catch {
        // not a log line
      }
    };
    // Powertools writes INFO lines to stdout and WARN and ERROR to stderr; Lambda keeps both.
    createInterface({ input: sender.stdout as NodeJS.ReadableStream }).on('line', read);
    createInterface({ input: sender.stderr as NodeJS.ReadableStream }).on('line', read);
    const samples: MemorySample[] = [];
    let loadStart = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sender not ready in 60 s: ${stderr}`)), 60_000);
      void exited.then((code) => reject(new Error(`sender exited (${code}) before ready: ${stderr}`)));
      sender.on('message', (message: SoakChildMessage) => {
        if (message.kind === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (loadStart > 0 && message.rss !== undefined)
          samples.push({ t: message.at - loadStart, rss: message.rss, heapUsed: message.heapUsed ?? 0 });
      });
    });

    // The schedule: connection drops, 503 bursts, one DynamoDB restart.
    const simulators = { apns: h.simulator, fcm: h.fcmSimulator };
    const events: Array<{ at: number; run: () => Promise<void> | void }> = [];
    const dropEvery = options.dropEveryMs ?? 30_000;
    for (let at = 5000, k = 0; at < loadMs; at += dropEvery, k++) {
      const when = k % 2 === 0 ? ('before-accept' as const) : ('after-accept' as const);
      events.push({
        at,
        run: () => {
          simulators.apns.setFaults([...simulators.apns.faults(), { kind: 'drop-connection', count: 1 }]);
          simulators.fcm.setFaults([...simulators.fcm.faults(), { kind: 'drop-connection', when, count: 1 }]);
        },
      });
    }
    const burst = options.burstSize ?? 20;
    for (let at = 20_000; at < loadMs; at += options.burstEveryMs ?? 60_000)
      events.push({
        at,
        run: () => {
          simulators.apns.setFaults([
            ...simulators.apns.faults(),
            { kind: 'answer', status: 503, reason: 'ServiceUnavailable', count: burst },
          ]);
          simulators.fcm.setFaults([
            ...simulators.fcm.faults(),
            { kind: 'answer', errorCode: 'UNAVAILABLE', count: burst },
          ]);
        },
      });
    let dynamoOutageMs: number | undefined;
    events.push({
      at: loadMs * (options.restartAt ?? 0.5),
      run: async () => {
        const stoppedAt = Date.now();
        await dynamo?.stop();
        dynamo = undefined;
        await sleep(1000);
        dynamo = await startDynamoDbLocal({ port, dataDir });
        dynamoOutageMs = Date.now() - stoppedAt;
        progress(`DynamoDB Local restarted: ${dynamoOutageMs} ms without it`);
      },
    });
    events.sort((a, b) => a.at - b.at);

    // Load: one call every 1/rate s; publishedAt per call for publish → ring latency.
    const publishedAt = new Map<string, number>();
    const running: Array<Promise<void> | void> = [];
    loadStart = Date.now();
    const interval = 1000 / rate;
    let nextReport = 60_000;
    for (let i = 0; Date.now() - loadStart < loadMs; i++) {
      const event = h.callEvent(recipientsOf(i, users));
      publishedAt.set(String(event.callId), Date.now());
      await h.publish([JSON.stringify(event)]);
      const elapsed = Date.now() - loadStart;
      while (events.length > 0 && (events[0]?.at ?? Number.POSITIVE_INFINITY) <= elapsed)
        running.push(events.shift()?.run());
      if (elapsed >= nextReport) {
        const last = samples.at(-1);
        progress(
          `${Math.round(elapsed / 1000)} s: ${i + 1} calls, sender RSS ${last ? Math.round(last.rss / 1048576) : '?'} MB`,
        );
        nextReport += 60_000;
      }
      await sleep(Math.max(0, loadStart + (i + 1) * interval - Date.now()));
    }
    await Promise.all(running);

    // Drain: until the queue is empty twice in a row, or the bound.
    const drainStart = Date.now();
    const drainMaxMs = options.drainMaxMs ?? visibility * 1000 + 30_000;
    let leftInQueue = -1;
    for (let empty = 0; empty < 2 && Date.now() - drainStart < drainMaxMs; ) {
      await sleep(1000);
      leftInQueue = await queueDepth(h.sqs, h.queueUrl);
      empty = leftInQueue === 0 ? empty + 1 : 0;
    }
    const drainMs = Date.now() - drainStart;
    sender.kill('SIGTERM');
    const childExit = await exited;
    child = undefined;

    const apns = h.simulator.pushes();
    const fcm = h.fcmSimulator.messages();
    const phones = phonesFor({ apns, fcm }).records();
    const rings = checkRings({ calls: h.calls, phones, logs: lines, deadLetters: await h.deadLetters() });
    const { lost, doubled, other } = ringViolations(rings);
    const latencies = phones
      .filter((p) => p.disposition === 'rang' && p.callId !== undefined)
      .map((p) => p.at - (publishedAt.get(p.callId as string) ?? p.at));
    return {
      loadMs,
      calls: h.calls.length,
      devices: h.calls.reduce((sum, c) => sum + c.devices.length, 0),
      pushes: { apns: apns.length, fcm: fcm.length },
      rings: rings.counts.rang,
      lost: lost.length,
      doubled: doubled.length,
      otherViolations: other.length,
      repeats: rings.repeats,
      reasons: recordedReasons(rings),
      violations: rings.violations.slice(0, 20),
      faults: { apns: h.simulator.stats().faults, fcm: h.fcmSimulator.stats().faults },
      dynamoOutageMs,
      drainMs,
      leftInQueue,
      memory: memoryFigures(samples, loadMs, options.warmupFraction ?? 0.2),
      latencyMs: latencyFigures(latencies),
      errorLines,
      childExit,
      secretFindings: h.secretFindings(textChunks.join('\n')),
    };
  } finally {
    child?.kill('SIGKILL');
    await h?.close();
    await dynamo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

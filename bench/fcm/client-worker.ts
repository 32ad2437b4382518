/**
 * One FCM client in its own process (its CPU time and RSS are its alone). Argument: JSON
 * { client, url, tokenUrl, levels: [{ concurrency, pushes, warmup }], runTimeoutMs }. Prints BENCH_RESULT.
 */
import { readFileSync } from 'node:fs';
import { devFcmKeyPaths } from '../../local/fcm-simulator/dev-credentials';
import { emitResult } from '../lib/child';
import { round, summarize } from '../lib/stats';
import { createFcmClient, type FcmClientName } from './clients';

export interface Level {
  readonly concurrency: number;
  readonly pushes: number;
  /** Pushes sent at the same concurrency before measuring. */
  readonly warmup: number;
}

export interface FcmWorkerInput {
  readonly client: FcmClientName;
  readonly url: string;
  readonly tokenUrl: string;
  readonly levels: readonly Level[];
  /** A level stops sending after this long, whatever its count. */
  readonly runTimeoutMs: number;
}

export interface LevelResult extends Level {
  readonly sent: number;
  readonly failed: number;
  readonly pushPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerPush: number;
}

export interface FcmWorkerResult {
  readonly client: FcmClientName;
  /** Client built and the first message accepted: access token, TLS, first request. */
  readonly firstPushMs: number;
  readonly levels: readonly LevelResult[];
  readonly peakRssMb: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as FcmWorkerInput;
const tokens = Array.from(
  { length: 1024 },
  (_, i) => `bench${i.toString(36).padStart(4, '0')}:APA91b${'Hx_9-kQ'.repeat(20)}`,
);

const setupStart = performance.now();
const client = await createFcmClient(input.client, {
  url: input.url,
  tokenUrl: input.tokenUrl,
  caPem: readFileSync(devFcmKeyPaths.caCertificate, 'utf8'),
});
if (!(await client.send(tokens[0] as string)))
  throw new Error(`${input.client}: the first message was not accepted`);
const firstPushMs = performance.now() - setupStart;

/** `pushes` sends with at most `concurrency` in flight, bounded by count and by `runTimeoutMs`. */
async function measure(concurrency: number, pushes: number): Promise<Omit<LevelResult, keyof Level>> {
  const latencies = new Float64Array(pushes);
  let issued = 0;
  let done = 0;
  let accepted = 0;
  const deadline = performance.now() + input.runTimeoutMs;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const lane = async (): Promise<void> => {
    while (issued < pushes && performance.now() < deadline) {
      const token = tokens[issued++ & 1023] as string;
      const sentAt = performance.now();
      const ok = await client.send(token);
      latencies[done++] = performance.now() - sentAt;
      if (ok) accepted++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pushes) }, lane));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const stats = summarize(latencies.subarray(0, done));
  return {
    sent: done,
    failed: done - accepted,
    pushPerSec: round((done / elapsedMs) * 1000),
    p50Ms: round(stats.p50),
    p99Ms: round(stats.p99),
    cpuUsPerPush: round((cpu.user + cpu.system) / Math.max(1, done)),
  };
}

const levels: LevelResult[] = [];
for (const level of input.levels) {
  if (level.warmup > 0) await measure(level.concurrency, level.warmup);
  levels.push({ ...level, ...(await measure(level.concurrency, level.pushes)) });
}
const peakRssMb = round(process.resourceUsage().maxRSS / 1024);
await Promise.race([client.close(), new Promise((resolve) => setTimeout(resolve, 2000))]);
const result: FcmWorkerResult = { client: input.client, firstPushMs: round(firstPushMs), levels, peakRssMb };
emitResult(result);
process.exit(0);

/**
 * One transport client in its own process (so its CPU time and RSS are its alone). Argument: JSON
 * { client, url, plans: [{ concurrency, pushes, runs, warmup }], timeoutMs }. Prints BENCH_RESULT.
 */
import { emitResult } from '../lib/child';
import { median, round, summarize } from '../lib/stats';
import { type ClientName, createClient } from './clients';
import { deviceTokens, voipPayload } from './fixtures';

export interface Plan {
  readonly concurrency: number;
  /** Pushes per measured run. */
  readonly pushes: number;
  readonly runs: number;
  /** Pushes sent (at the same concurrency) before measuring. */
  readonly warmup: number;
}

export interface WorkerInput {
  readonly client: ClientName;
  readonly url: string;
  readonly plans: readonly Plan[];
  /** Each run stops sending after this long, whatever its count. */
  readonly runTimeoutMs: number;
}

export interface RunResult {
  readonly pushes: number;
  readonly accepted: number;
  readonly elapsedMs: number;
  readonly pushPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerPush: number;
}

export interface PlanResult extends Plan {
  readonly runsDone: readonly RunResult[];
  /** Medians over the runs. */
  readonly pushPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerPush: number;
  readonly failed: number;
}

export interface WorkerResult {
  readonly client: ClientName;
  readonly setupMs: number;
  readonly plans: readonly PlanResult[];
  readonly peakRssMb: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as WorkerInput;
const tokens = deviceTokens(1024);

const setupStart = performance.now();
const client = await createClient(input.client, {
  url: input.url,
  payload: voipPayload(),
  expiration: Math.floor(Date.now() / 1000) + 3600,
});
// The first push opens the connection (TLS + first SETTINGS): not part of any measurement.
await client.send(tokens[0] as string);
const setupMs = performance.now() - setupStart;

/** `pushes` sends with at most `concurrency` in flight, bounded by count and by `runTimeoutMs`. */
async function run(concurrency: number, pushes: number): Promise<RunResult> {
  const latencies = new Float64Array(pushes);
  let issued = 0;
  let done = 0;
  let accepted = 0;
  const deadline = performance.now() + input.runTimeoutMs;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (issued < pushes && performance.now() < deadline) {
      const index = issued++;
      const sentAt = performance.now();
      const ok = await client.send(tokens[index & 1023] as string);
      latencies[done++] = performance.now() - sentAt;
      if (ok) accepted++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, pushes) }, worker));
  const elapsedMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const stats = summarize(latencies.subarray(0, done));
  return {
    pushes: done,
    accepted,
    elapsedMs: round(elapsedMs),
    pushPerSec: round((done / elapsedMs) * 1000),
    p50Ms: round(stats.p50),
    p99Ms: round(stats.p99),
    cpuUsPerPush: round((cpu.user + cpu.system) / Math.max(1, done)),
  };
}

const plans: PlanResult[] = [];
for (const plan of input.plans) {
  if (plan.warmup > 0) await run(plan.concurrency, plan.warmup);
  const runsDone: RunResult[] = [];
  for (let i = 0; i < plan.runs; i++) runsDone.push(await run(plan.concurrency, plan.pushes));
  plans.push({
    ...plan,
    runsDone,
    pushPerSec: median(runsDone.map((r) => r.pushPerSec)),
    p50Ms: median(runsDone.map((r) => r.p50Ms)),
    p99Ms: median(runsDone.map((r) => r.p99Ms)),
    cpuUsPerPush: median(runsDone.map((r) => r.cpuUsPerPush)),
    failed: runsDone.reduce((n, r) => n + (r.pushes - r.accepted), 0),
  });
}
const peakRssMb = round(process.resourceUsage().maxRSS / 1024);
await Promise.race([client.close(), new Promise((r) => setTimeout(r, 2000))]);
const result: WorkerResult = { client: input.client, setupMs: round(setupMs), plans, peakRssMb };
emitResult(result);
process.exit(0);

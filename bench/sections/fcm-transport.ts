import { mkdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { devFcmKeyPaths } from '../../local/fcm-simulator/dev-credentials';
import { startFcmSimulator } from '../../local/fcm-simulator/simulator';
import type { FcmWorkerInput, FcmWorkerResult, Level } from '../fcm/client-worker';
import { FCM_CLIENT_NAMES, type FcmClientName } from '../fcm/clients';
import { REPO_ROOT, runChild } from '../lib/child';
import type { BarChart, SectionReport } from '../lib/report';
import { median, round } from '../lib/stats';
import { check, type TargetCheck } from '../lib/targets';

const CONCURRENCIES = [1, 10, 100, 500] as const;

export interface FcmTransportRow {
  readonly holdMs: number;
  readonly concurrency: number;
  readonly client: FcmClientName;
  readonly pushes: number;
  readonly failed: number;
  /** Medians over the repetitions. */
  readonly pushPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerPush: number;
  /** push/s over firebase-admin's, same configuration. */
  readonly vsFirebaseAdmin: number;
}

export interface ModuleLoad {
  readonly variant: string;
  readonly bundleKb?: number;
  readonly loadMs: number;
  readonly runsMs: readonly number[];
}

/** Pushes per level and repetition; fewer where a 20 ms hold makes a level slow. */
function levelsFor(holdMs: number, repetitions: number, quick: boolean): Level[] {
  return CONCURRENCIES.map((concurrency) => {
    let total = quick ? 2000 : 20_000;
    if (holdMs > 0 && concurrency === 1) total = quick ? 50 : 300;
    else if (holdMs > 0 && concurrency === 10) total = quick ? 300 : 3000;
    const pushes = Math.ceil(total / repetitions);
    return {
      concurrency,
      pushes,
      warmup: Math.min(quick ? 200 : 500, Math.max(concurrency * 2, Math.floor(pushes / 5))),
    };
  });
}

/**
 * The project's FCM client against firebase-admin's `messaging().send()`, both on the same FCM simulator
 * (in this process; each client in its own), in rotating order per repetition; then each module's load
 * in a fresh plain node process.
 */
export async function fcmTransportSection(
  quick: boolean,
  log: (line: string) => void,
): Promise<SectionReport> {
  const repetitions = quick ? 1 : 3;
  const holds = quick ? [0] : [0, 20];
  const rows: FcmTransportRow[] = [];
  const firstPushMs: Record<string, number[]> = {};
  const peakRssMb: Record<string, number> = {};
  const simulatorCpuUsPerPush: Record<string, number> = {};
  for (const holdMs of holds) {
    const simulator = await startFcmSimulator({
      controlPort: false,
      recordMessages: false,
      latencyMs: holdMs,
    });
    const levels = levelsFor(holdMs, repetitions, quick);
    const results = new Map<FcmClientName, FcmWorkerResult[]>();
    const cpuBefore = process.cpuUsage();
    try {
      for (let rep = 0; rep < repetitions; rep++) {
        const order = FCM_CLIENT_NAMES.map(
          (_, i) => FCM_CLIENT_NAMES[(i + rep) % FCM_CLIENT_NAMES.length] as FcmClientName,
        );
        for (const client of order) {
          const input: FcmWorkerInput = {
            client,
            url: simulator.url,
            tokenUrl: simulator.tokenUrl,
            levels,
            runTimeoutMs: quick ? 15_000 : 30_000,
          };
          const result = await runChild<FcmWorkerResult>(
            'bench/fcm/client-worker.ts',
            [JSON.stringify(input)],
            {
              timeoutMs: 240_000,
            },
          );
          results.set(client, [...(results.get(client) ?? []), result]);
          firstPushMs[client] = [...(firstPushMs[client] ?? []), result.firstPushMs];
          peakRssMb[client] = Math.max(peakRssMb[client] ?? 0, result.peakRssMb);
          log(
            `  fcm hold=${holdMs}ms rep ${rep + 1}/${repetitions} ${client}: ${result.levels
              .map((l) => `${l.concurrency}→${l.pushPerSec}/s`)
              .join(' ')}`,
          );
        }
      }
      const cpu = process.cpuUsage(cpuBefore);
      const served = simulator.stats().requests;
      simulatorCpuUsPerPush[`${holdMs}ms`] = round((cpu.user + cpu.system) / Math.max(1, served));
    } finally {
      await simulator.close();
    }
    rows.push(...tabulate(holdMs, levels, results));
  }
  const loads = await moduleLoads(quick ? 3 : 7, log);
  return report(rows, loads, { repetitions, quick, firstPushMs, peakRssMb, simulatorCpuUsPerPush });
}

function tabulate(
  holdMs: number,
  levels: readonly Level[],
  results: ReadonlyMap<FcmClientName, FcmWorkerResult[]>,
): FcmTransportRow[] {
  const rows: FcmTransportRow[] = [];
  for (const [index, level] of levels.entries()) {
    const medianOf = (
      client: FcmClientName,
      pick: (l: FcmWorkerResult['levels'][number]) => number,
    ): number =>
      median(
        (results.get(client) ?? []).map((r) => pick(r.levels[index] as FcmWorkerResult['levels'][number])),
      );
    const baseline = medianOf('firebase-admin', (l) => l.pushPerSec);
    for (const client of FCM_CLIENT_NAMES) {
      const runs = results.get(client) ?? [];
      const pushPerSec = medianOf(client, (l) => l.pushPerSec);
      rows.push({
        holdMs,
        concurrency: level.concurrency,
        client,
        pushes: runs.reduce((n, r) => n + (r.levels[index]?.sent ?? 0), 0),
        failed: runs.reduce((n, r) => n + (r.levels[index]?.failed ?? 0), 0),
        pushPerSec,
        p50Ms: medianOf(client, (l) => l.p50Ms),
        p99Ms: medianOf(client, (l) => l.p99Ms),
        cpuUsPerPush: medianOf(client, (l) => l.cpuUsPerPush),
        vsFirebaseAdmin: round(pushPerSec / baseline),
      });
    }
  }
  return rows;
}

/** esbuild with the Lambda functions' options (ESM, node22, minified, the createRequire banner). */
async function bundle(entry: string, outfile: string): Promise<number> {
  await build({
    entryPoints: [resolve(REPO_ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    minify: true,
    logLevel: 'silent',
  });
  return statSync(outfile).size;
}

/** Import and build each client in a fresh plain node process, `runs` times interleaved; medians. */
async function moduleLoads(runs: number, log: (line: string) => void): Promise<ModuleLoad[]> {
  mkdirSync(resolve(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const outdir = await mkdtemp(join(REPO_ROOT, 'bench', 'results', 'fcm-load-'));
  try {
    const oursFile = join(outdir, 'ours.mjs');
    const adminFile = join(outdir, 'firebase-admin.mjs');
    const variants = [
      {
        variant: 'ours, bundled',
        module: oursFile,
        bundleKb: (await bundle('bench/fcm/load-entry-ours.ts', oursFile)) / 1024,
      },
      {
        variant: 'firebase-admin, bundled',
        module: adminFile,
        bundleKb: (await bundle('bench/fcm/load-entry-firebase-admin.ts', adminFile)) / 1024,
      },
      { variant: 'firebase-admin, from node_modules', module: 'firebase-admin', bundleKb: undefined },
    ];
    const times = new Map<string, number[]>();
    for (let run = 0; run < runs; run++) {
      for (const { variant, module } of variants) {
        const input = JSON.stringify({ module, serviceAccount: devFcmKeyPaths.serviceAccount });
        const { loadMs } = await runChild<{ loadMs: number }>('bench/fcm/load-probe.mjs', [input], {
          timeoutMs: 60_000,
          plain: true,
        });
        times.set(variant, [...(times.get(variant) ?? []), round(loadMs)]);
      }
    }
    const loads = variants.map(({ variant, bundleKb }) => ({
      variant,
      ...(bundleKb === undefined ? {} : { bundleKb: round(bundleKb) }),
      loadMs: round(median(times.get(variant) ?? [])),
      runsMs: times.get(variant) ?? [],
    }));
    log(`  fcm module load: ${loads.map((l) => `${l.variant} ${l.loadMs} ms`).join(', ')}`);
    return loads;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

interface Extras {
  readonly repetitions: number;
  readonly quick: boolean;
  readonly firstPushMs: Record<string, number[]>;
  readonly peakRssMb: Record<string, number>;
  readonly simulatorCpuUsPerPush: Record<string, number>;
}

function report(rows: FcmTransportRow[], loads: ModuleLoad[], extras: Extras): SectionReport {
  const charts: BarChart[] = [...new Set(rows.map((r) => r.holdMs))].map((holdMs) => ({
    title: `FCM push/s, ${holdMs === 0 ? 'instant answers' : `answers held ${holdMs} ms`}`,
    unit: 'push/s',
    bars: rows
      .filter((r) => r.holdMs === holdMs)
      .map((r) => ({ label: `${r.client} @${r.concurrency}`, value: r.pushPerSec })),
  }));
  charts.push({
    title: 'FCM module load (import + build the client), fresh node',
    unit: 'ms',
    bars: loads.map((l) => ({
      label: l.variant.startsWith('ours') ? `ours (${l.variant})` : l.variant,
      value: l.loadMs,
    })),
  });
  const firstPush = Object.entries(extras.firstPushMs).map(
    ([client, ms]) => `${client} ${round(median(ms))}`,
  );
  return {
    id: 'fcm-transport',
    title: 'FCM transport: incoming-call messages to the FCM simulator, ours vs firebase-admin',
    columns: [
      'hold',
      'in flight',
      'client',
      'pushes',
      'push/s',
      'vs firebase-admin',
      'p50 ms',
      'p99 ms',
      'CPU µs/push',
      'failed',
    ],
    rows: rows.map((r) => [
      `${r.holdMs} ms`,
      r.concurrency,
      r.client,
      r.pushes,
      r.pushPerSec,
      r.vsFirebaseAdmin,
      r.p50Ms,
      r.p99Ms,
      r.cpuUsPerPush,
      r.failed,
    ]),
    notes: [
      `${extras.repetitions} interleaved repetition(s) per configuration, each with its own warm-up, median reported; ${extras.quick ? '2,000' : '20,000'} messages per level in all (with the 20 ms hold ${extras.quick ? '50 / 300' : '300 / 3,000'} at 1 / 10 in flight).`,
      'The simulator advertises 100 concurrent streams, as Google’s front ends do: ours keeps one HTTP/2 session per (project, host), so it holds at most 100 requests open and queues the rest. firebase-admin’s send() uses HTTP/1.1 through an https.Agent with the global agent’s settings (keep-alive, no socket limit): one connection per request in flight.',
      'Ours builds each message with buildFcmMessage (as the sender will); firebase-admin gets the same data map prebuilt and only the token changes (its cheapest use). Both get their access token from the simulator’s token endpoint with the dev service account.',
      'firebase-admin is pointed at the simulator by an https.Agent that connects to it whatever host is asked for (fcm.googleapis.com, oauth2.googleapis.com; any other host is refused); it is both the app’s httpAgent and Node’s global agent in its process, since the token request ignores httpAgent.',
      `First message (client built, access token, TLS, first request), ms, median: ${firstPush.join(', ')}.`,
      `Module load, fresh plain node, import + build the client from the dev service account, median of ${loads[0]?.runsMs.length ?? 0}: ${loads
        .map((l) => `${l.variant} ${l.loadMs} ms${l.bundleKb === undefined ? '' : ` (${l.bundleKb} KB)`}`)
        .join('; ')}.`,
      `Peak RSS of each client process (MB): ${Object.entries(extras.peakRssMb)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
      `Simulator CPU per message (µs, both clients; it runs in the bench process): ${Object.entries(
        extras.simulatorCpuUsPerPush,
      )
        .map(([k, v]) => `hold ${k}: ${v}`)
        .join(', ')}.`,
    ],
    targets: targets(rows, loads),
    charts,
    data: { rows, loads, ...extras },
  };
}

/** ADR 0007's rule: ours is kept only while it beats firebase-admin where it matters. */
function targets(rows: readonly FcmTransportRow[], loads: readonly ModuleLoad[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const holdMs of new Set(rows.map((r) => r.holdMs))) {
    for (const concurrency of [10, 100, 500]) {
      const find = (client: FcmClientName) =>
        rows.find((r) => r.holdMs === holdMs && r.concurrency === concurrency && r.client === client);
      const ours = find('ours');
      const admin = find('firebase-admin');
      if (ours === undefined || admin === undefined) continue;
      const where = `hold ${holdMs} ms, ${concurrency} in flight`;
      const cpu = admin.cpuUsPerPush / ours.cpuUsPerPush;
      out.push(
        check(
          'fcm transport (CPU)',
          `ours ahead of firebase-admin, by CPU/push (${where})`,
          `${round(cpu)}×`,
          cpu > 1,
        ),
      );
      // With a 20 ms hold, 10 in flight is bound by the round trip (500/s) for any client: no push/s target.
      if (holdMs > 0 && concurrency === 10) continue;
      const rate = ours.pushPerSec / admin.pushPerSec;
      out.push(
        check(
          'fcm transport',
          `ours ahead of firebase-admin, push/s (${where})`,
          `${round(rate)}×`,
          rate > 1,
        ),
      );
    }
  }
  const ours = loads.find((l) => l.variant === 'ours, bundled');
  const admin = loads.find((l) => l.variant === 'firebase-admin, bundled');
  if (ours !== undefined && admin !== undefined) {
    out.push(
      check(
        'fcm transport',
        'ours loads faster than firebase-admin (both bundled)',
        `${ours.loadMs} vs ${admin.loadMs} ms`,
        ours.loadMs < admin.loadMs,
      ),
    );
  }
  return out;
}

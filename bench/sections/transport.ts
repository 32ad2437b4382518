import { runChild } from '../lib/child';
import { startSimulatorProcess } from '../lib/simulator-process';
import { median, round } from '../lib/stats';
import { check, type TargetCheck } from '../lib/targets';
import type { Plan, WorkerInput, WorkerResult } from '../transport/client-worker';
import { CLIENT_NAMES, type ClientName } from '../transport/clients';

export const CONCURRENCIES = [1, 10, 100, 500] as const;
export const HOLDS_MS = [0, 20] as const;

export interface TransportRow {
  readonly holdMs: number;
  readonly concurrency: number;
  readonly client: ClientName;
  /** Pushes measured, all repetitions together. */
  readonly pushes: number;
  readonly failed: number;
  /** Medians over the repetitions. */
  readonly pushPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuUsPerPush: number;
  /** push/s of this client over the bare loop's, same configuration. */
  readonly vsBare: number;
}

export interface TransportResult {
  readonly rows: TransportRow[];
  /** Peak RSS of each client process over its repetitions, MB. */
  readonly peakRssMb: Record<string, number>;
  /** Simulator CPU per push, µs, by hold. */
  readonly simulatorCpuUsPerPush: Record<string, number>;
  readonly repetitions: number;
  readonly notes: string[];
  readonly targets: TargetCheck[];
}

/** Pushes per repetition: 20,000 per configuration in all, fewer where a 20 ms hold makes it slow. */
function plansFor(holdMs: number, repetitions: number, quick: boolean): Plan[] {
  return CONCURRENCIES.map((concurrency) => {
    let total = quick ? 2000 : 20_000;
    if (holdMs > 0 && concurrency === 1) total = quick ? 50 : 300;
    else if (holdMs > 0 && concurrency === 10) total = quick ? 300 : 3000;
    const pushes = Math.ceil(total / repetitions);
    const warmup = Math.min(quick ? 200 : 500, Math.max(concurrency * 2, Math.floor(pushes / 5)));
    return { concurrency, pushes, runs: 1, warmup };
  });
}

/**
 * Item 1. The simulator runs in its own process (CLI), each client in its own process. Repetitions are
 * interleaved (rep 1: ours, bare, apns2, node-apn; rep 2 in rotated order; ...) so that a burst of
 * load from elsewhere on the machine lands on all clients rather than on one; medians are reported.
 */
export async function runTransport(quick: boolean, log: (line: string) => void): Promise<TransportResult> {
  const repetitions = quick ? 1 : 5;
  const rows: TransportRow[] = [];
  const peakRssMb: Record<string, number> = {};
  const simulatorCpuUsPerPush: Record<string, number> = {};
  for (const holdMs of HOLDS_MS) {
    const simulator = await startSimulatorProcess({ latencyMs: holdMs });
    const plans = plansFor(holdMs, repetitions, quick);
    const byClient = new Map<ClientName, WorkerResult[]>();
    let pushesSent = 0;
    const cpuBefore = await simulator.cpuSeconds();
    try {
      for (let rep = 0; rep < repetitions; rep++) {
        const order = CLIENT_NAMES.map((_, i) => CLIENT_NAMES[(i + rep) % CLIENT_NAMES.length] as ClientName);
        for (const client of order) {
          const input: WorkerInput = {
            client,
            url: simulator.url,
            plans,
            runTimeoutMs: quick ? 15_000 : 30_000,
          };
          const result = await runChild<WorkerResult>(
            'bench/transport/client-worker.ts',
            [JSON.stringify(input)],
            {
              timeoutMs: 180_000,
            },
          );
          byClient.set(client, [...(byClient.get(client) ?? []), result]);
          peakRssMb[client] = Math.max(peakRssMb[client] ?? 0, result.peakRssMb);
          for (const p of result.plans) pushesSent += p.warmup + p.runsDone.reduce((n, r) => n + r.pushes, 0);
          log(
            `  transport hold=${holdMs}ms rep ${rep + 1}/${repetitions} ${client}: ${result.plans
              .map((p) => `${p.concurrency}→${p.pushPerSec}/s`)
              .join(' ')}`,
          );
        }
      }
      const cpuAfter = await simulator.cpuSeconds();
      simulatorCpuUsPerPush[`${holdMs}ms`] = round(((cpuAfter - cpuBefore) * 1e6) / Math.max(1, pushesSent));
    } finally {
      await simulator.stop();
    }
    for (const [index, plan] of plans.entries()) {
      const medianOf = (client: ClientName, pick: (p: WorkerResult['plans'][number]) => number): number =>
        median(
          (byClient.get(client) ?? []).map((r) => pick(r.plans[index] as WorkerResult['plans'][number])),
        );
      const bareRate = medianOf('bare', (p) => p.pushPerSec);
      for (const client of CLIENT_NAMES) {
        const pushPerSec = medianOf(client, (p) => p.pushPerSec);
        rows.push({
          holdMs,
          concurrency: plan.concurrency,
          client,
          pushes: plan.pushes * repetitions,
          failed: (byClient.get(client) ?? []).reduce((n, r) => n + (r.plans[index]?.failed ?? 0), 0),
          pushPerSec,
          p50Ms: medianOf(client, (p) => p.p50Ms),
          p99Ms: medianOf(client, (p) => p.p99Ms),
          cpuUsPerPush: medianOf(client, (p) => p.cpuUsPerPush),
          vsBare: round(pushPerSec / bareRate),
        });
      }
    }
  }
  const notes = [
    `Pushes per configuration: ${quick ? '2,000' : '20,000'} (${repetitions} interleaved repetition(s), each with its own warm-up, median reported); with the 20 ms hold only ${quick ? '50' : '300'} at 1 in flight and ${quick ? '300' : '3,000'} at 10 in flight, which would otherwise take 400 s and 40 s per client.`,
    'apns2 12.x has a fixed port 443: its undici Pool is replaced after construction by one with the same settings (32 connections, h2, 100 streams each) pointed at the simulator with the test CA; its send() path is unchanged.',
    '@parse/node-apn is pointed at the simulator with address, port and ca; one Notification is reused for all pushes (its cheapest use).',
    'The bare loop: one node:http2 session, the JWT minted once, the same headers and payload as ours, resolve on stream close.',
  ];
  return { rows, peakRssMb, simulatorCpuUsPerPush, repetitions, notes, targets: transportTargets(rows) };
}

function transportTargets(rows: readonly TransportRow[]): TargetCheck[] {
  const find = (holdMs: number, concurrency: number, client: ClientName): TransportRow | undefined =>
    rows.find((r) => r.holdMs === holdMs && r.concurrency === concurrency && r.client === client);
  const targets: TargetCheck[] = [];
  for (const holdMs of HOLDS_MS) {
    for (const concurrency of [100, 500]) {
      const ours = find(holdMs, concurrency, 'ours');
      const bare = find(holdMs, concurrency, 'bare');
      const apns2 = find(holdMs, concurrency, 'apns2');
      const nodeApn = find(holdMs, concurrency, 'node-apn');
      if (!ours || !bare || !apns2 || !nodeApn) continue;
      const where = `hold ${holdMs} ms, ${concurrency} in flight`;
      const ratio = ours.pushPerSec / bare.pushPerSec;
      targets.push(
        check('transport', `ours ≥ 90% of bare loop (${where})`, `${Math.round(ratio * 100)}%`, ratio >= 0.9),
      );
      const vsApns2 = ours.pushPerSec / apns2.pushPerSec;
      targets.push(check('transport', `ours ≥ 2× apns2 (${where})`, `${round(vsApns2)}×`, vsApns2 >= 2));
      // CPU per push is the client's own cost and barely moves with load from elsewhere: the same three
      // targets read as CPU-bound throughput (1 / CPU per push), printed beside the push/s ones.
      const cpuRatio = bare.cpuUsPerPush / ours.cpuUsPerPush;
      targets.push(
        check(
          'transport (CPU)',
          `ours ≥ 90% of bare loop, by CPU/push (${where})`,
          `${Math.round(cpuRatio * 100)}%`,
          cpuRatio >= 0.9,
        ),
      );
      const cpuVsApns2 = apns2.cpuUsPerPush / ours.cpuUsPerPush;
      targets.push(
        check(
          'transport (CPU)',
          `ours ≥ 2× apns2, by CPU/push (${where})`,
          `${round(cpuVsApns2)}×`,
          cpuVsApns2 >= 2,
        ),
      );
      const cpuVsNodeApn = nodeApn.cpuUsPerPush / ours.cpuUsPerPush;
      targets.push(
        check(
          'transport (CPU)',
          `ours ahead of node-apn, by CPU/push (${where})`,
          `${round(cpuVsNodeApn)}×`,
          cpuVsNodeApn > 1,
        ),
      );
      const vsNodeApn = ours.pushPerSec / nodeApn.pushPerSec;
      targets.push(
        check('transport', `ours ahead of node-apn (${where})`, `${round(vsNodeApn)}×`, vsNodeApn > 1),
      );
    }
  }
  return targets;
}

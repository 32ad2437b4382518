import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { REPO_ROOT, runChild } from '../lib/child';
import type { SectionReport } from '../lib/report';
import { startSimulatorProcess } from '../lib/simulator-process';
import { round } from '../lib/stats';
import { check, type TargetCheck } from '../lib/targets';
import type { SenderWorkerInput, SenderWorkerResult } from '../sender/sender-worker';
import { services } from './services';

let last: SenderWorkerResult | undefined;
/** Size of what the sender wrote to stdout (log lines and EMF documents) per push. */
let logStats: { bytesPerPush: number; linesPerPush: number; emfDocumentsPerPush: number } | undefined;

/** The worker's result, shared by the sender-path, call-latency and memory sections. */
async function senderWorker(quick: boolean): Promise<SenderWorkerResult> {
  if (last) return last;
  const { dynamo, sqs } = await services();
  const simulator = await startSimulatorProcess({ latencyMs: 0 });
  try {
    const input: SenderWorkerInput = {
      dynamodbEndpoint: dynamo.endpoint,
      sqsEndpoint: sqs.endpoint,
      apnsUrl: simulator.url,
      recipients: quick ? 200 : 1000,
      calls: quick ? 60 : 300,
    };
    // The sender's log lines and EMF documents go to stdout as in Lambda: here into a file, to size them.
    const logFile = resolve(REPO_ROOT, 'bench', 'results', `sender-${process.pid}.log`);
    mkdirSync(dirname(logFile), { recursive: true });
    const result = await runChild<SenderWorkerResult>(
      'bench/sender/sender-worker.ts',
      [JSON.stringify(input)],
      {
        timeoutMs: 300_000,
        env: { POWERTOOLS_METRICS_NAMESPACE: 'VoipPushBench', AWS_REGION: 'us-east-1' },
        stdoutFile: logFile,
      },
    );
    const text = readFileSync(logFile, 'utf8');
    rmSync(logFile, { force: true });
    const pushes = result.paths.filter((p) => p.name.startsWith('sender')).reduce((n, p) => n + p.pushes, 0);
    logStats = {
      bytesPerPush: round(Buffer.byteLength(text) / Math.max(1, pushes + result.calls.count)),
      linesPerPush: round(text.split('\n').length / Math.max(1, pushes + result.calls.count)),
      emfDocumentsPerPush: round(
        (text.match(/"_aws":/g)?.length ?? 0) / Math.max(1, pushes + result.calls.count),
      ),
    };
    last = result;
    return result;
  } finally {
    await simulator.stop();
  }
}

export async function senderPathSection(quick: boolean): Promise<SectionReport> {
  const result = await senderWorker(quick);
  const { paths } = result;
  const targets: TargetCheck[] = [];
  const rows = paths.map((p, i) => {
    const bare = p.name.startsWith('sender: ')
      ? paths[i + 1]
      : p.name.startsWith('sender, ')
        ? paths[i - 1]
        : undefined;
    const overhead = bare ? p.wallMs / bare.wallMs - 1 : Number.NaN;
    if (bare && p.name.startsWith('sender: ')) {
      targets.push(
        check(
          'sender path',
          `≤ 30% over the bare loop (${p.name.replace('sender: ', '')})`,
          `+${Math.round(overhead * 100)}%`,
          overhead <= 0.3,
        ),
      );
      const sameRequests = paths.find((q) => q.name === p.name.replace('sender: ', 'bare, same requests: '));
      if (sameRequests) {
        const ratio = p.cpuUsPerPush / sameRequests.cpuUsPerPush;
        targets.push(
          check(
            'sender path',
            `CPU per push ≤ 1.3× a bare loop making the same DynamoDB and APNs requests (${p.name.replace('sender: ', '')})`,
            `${ratio.toFixed(2)}× (${p.cpuUsPerPush} vs ${sameRequests.cpuUsPerPush} µs)`,
            ratio <= 1.3,
          ),
        );
      }
      if (p.name.includes('recipients'))
        targets.push(
          check(
            'sender path',
            `first push accepted ≤ 50 ms after the handler starts (${p.name.replace('sender: ', '')})`,
            `${p.firstAcceptedMs} ms`,
            p.firstAcceptedMs <= 50,
          ),
        );
    }
    return [
      p.name,
      p.pushes,
      p.wallMs,
      round((p.pushes / p.wallMs) * 1000),
      Number.isNaN(overhead) ? '' : `+${Math.round(overhead * 100)}%`,
      p.lookupMs,
      p.pushMs,
      p.deliveryMs,
      p.logMs,
      p.logLines,
      p.firstAcceptedMs,
      p.lastAcceptedMs,
      p.cpuUsPerPush,
    ];
  });
  return {
    id: 'sender',
    title: '2. Full sender path: event → DynamoDB Local lookup → simulator → log line and metrics',
    columns: [
      'path',
      'pushes',
      'wall ms',
      'push/s',
      'vs bare',
      'lookup ms Σ',
      'push ms Σ',
      'delivery state ms Σ',
      'logging ms Σ',
      'log lines',
      'first accepted ms',
      'last accepted ms',
      'CPU µs/push',
    ],
    rows,
    notes: [
      'Sender = createSenderHandler(buildSenderDeps(...)) exactly as handler.ts wires it (Powertools Logger and EMF Metrics to stdout, credential from a file, ApnsClient), with each port wrapped to sum the time spent in it. Σ columns add up overlapping calls, so they exceed wall time; they show where the time goes.',
      'Bare = the same Query per recipient (ConsistentRead, 16 in parallel like lookupConcurrency) and the same pushes on one raw http2 session (64 in flight like pushConcurrency); no delivery records, no logging. Bare, same requests = that loop plus the delivery-state requests the sender makes (one Query per shard beside the lookups, a PutItem of the same batch item per shard and 25 devices after the pushes): the baseline of the CPU target.',
      `stdout per push (log lines + EMF documents, all sender runs): ${logStats?.bytesPerPush} bytes, ${logStats?.linesPerPush} lines, of which ${logStats?.emfDocumentsPerPush} EMF documents.`,
      'The sender also reads the event’s delivery records (one Query per shard its recipients fall in) and writes the results in batches (a PutItem per shard and up to 25 devices, ADR 0013): what stops a redelivered event from pushing an accepted device again; the bare loop does not. Devices seeded through DynamoDeviceRepository.register.',
      'First / last accepted: ms from the path’s start (for one event, the handler’s start) to the first and the last push the simulator accepted. The sender pushes a recipient’s devices as soon as its lookup returns; the bare loop looks every recipient up first.',
    ],
    targets,
    charts: [
      {
        title: 'wall time, ms (lower is better)',
        unit: 'ms',
        bars: paths.map((p) => ({ label: p.name.slice(0, 60), value: p.wallMs })),
      },
    ],
    data: { paths, logStats },
  };
}

export async function callLatencySection(quick: boolean): Promise<SectionReport> {
  const { calls } = await senderWorker(quick);
  const row = (name: string, s: SenderWorkerResult['calls']['endToEnd']) => [
    name,
    s.count,
    round(s.p50),
    round(s.p99),
    round(s.max),
  ];
  return {
    id: 'latency',
    title: `3. One call's latency: publish to fauxqs → accepted by the simulator (${calls.count} sequential calls)`,
    columns: ['span', 'calls', 'p50 ms', 'p99 ms', 'max ms'],
    rows: [
      row('end to end (publish → APNs 200)', calls.endToEnd),
      row('queue wait (SentTimestamp → handler start)', calls.queueWait),
      row("sender's own (handler start → APNs 200)", calls.senderOwn),
      row('  of which: device lookup (Query)', calls.ownLookup),
      row('  of which: delivery state (read + record)', calls.ownLease),
      row('  of which: push (ApnsClient.send)', calls.ownPush),
    ],
    notes: [
      'Through local/poller.ts (the event source mapping stand-in, long poll 20 s, batch ≤ 10) and the real handler; the first 5 calls are a warm-up and not counted. Queue wait uses SQS SentTimestamp (ms resolution); the sender’s own time is measured with performance.now().',
      "The sender's own time includes the DynamoDB Local lookup, the delivery-record read (one Query) and write, and the push.",
    ],
    targets: [
      check(
        'call latency',
        "sender's own time p99 ≤ 10 ms",
        `${round(calls.senderOwn.p99)} ms`,
        calls.senderOwn.p99 <= 10,
      ),
    ],
    charts: [],
    data: calls,
  };
}

export async function memorySection(quick: boolean): Promise<SectionReport> {
  const result = await senderWorker(quick);
  const peak = result.peakRssMb;
  const suggested = Math.max(256, Math.ceil((peak * 1.5) / 64) * 64);
  return {
    id: 'memory',
    title: '6. Memory',
    columns: ['process', 'peak RSS MB'],
    rows: [
      ['sender process (items 2 and 3: handler, SDK clients, ApnsClient)', peak],
      ['sender process RSS at the end', result.rssAfterMb],
    ],
    notes: [
      `Suggested Lambda memory: ${suggested} MB for memory alone (peak × 1.5, rounded up to 64 MB, at least 256). Lambda gives CPU in proportion to memory (1,769 MB = 1 vCPU); the transport's CPU per push, not memory, is what argues for more (see docs/capacity.md).`,
      'The peak RSS of the transport client processes (item 1) is in the transport notes; those processes hold only the client.',
    ],
    targets: [],
    charts: [],
    data: { peakRssMb: peak, rssAfterMb: result.rssAfterMb, suggestedMemoryMb: suggested },
  };
}

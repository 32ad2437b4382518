import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EnvDefault } from '../../shared/platform/env-names';
import { REPO_ROOT, runChild } from '../lib/child';
import {
  billedGbSeconds,
  type CostParts,
  costPerMillionPushes,
  cpuBoundMs,
  type DeploymentAssumptions,
  secretsCallsPerPush,
  snsPerMillionPushes,
  usagePerPush,
} from '../lib/cost';
import { SENDER_DEPLOYMENT } from '../lib/prices';
import type { SectionReport } from '../lib/report';
import { startSimulatorProcess } from '../lib/simulator-process';
import { median, round } from '../lib/stats';
import { check } from '../lib/targets';
import type { CostWorkerInput, WorkloadId, WorkloadUsage } from '../sender/cost-worker';
import { services } from './services';

/** APNs answers held this long: a real round trip, which Lambda bills as duration. */
const APNS_HOLD_MS = 20;

interface Workload {
  readonly id: WorkloadId;
  readonly name: string;
  readonly devicesPerCall: number;
  readonly target?: number;
}

const WORKLOADS: readonly Workload[] = [
  { id: 'oneToOne', name: '1:1 call, user with two devices', devicesPerCall: 2, target: 0.8 },
  { id: 'oneToOneQueued', name: 'same, calls queued: batches of up to 10', devicesPerCall: 2 },
  {
    id: 'group100',
    name: 'group call, 100 recipients (one device each)',
    devicesPerCall: 100,
    target: 0.2,
  },
  { id: 'group1000', name: 'group call, 1,000 recipients (one device each)', devicesPerCall: 1000 },
];

const PART_NAMES: readonly (keyof CostParts)[] = [
  'sqs',
  'dynamodbRead',
  'dynamodbWrite',
  'lambdaDuration',
  'lambdaRequests',
  'logs',
  'secrets',
];

const usd = (value: number): string => `$${round(value)}`;

export async function costSection(quick: boolean): Promise<SectionReport> {
  const { dynamo, sqs } = await services();
  const simulator = await startSimulatorProcess({ latencyMs: APNS_HOLD_MS });
  const logFile = resolve(REPO_ROOT, 'bench', 'results', `cost-${process.pid}.log`);
  mkdirSync(dirname(logFile), { recursive: true });
  let measured: Record<WorkloadId, WorkloadUsage>;
  try {
    const input: CostWorkerInput = {
      dynamodbEndpoint: dynamo.endpoint,
      sqsEndpoint: sqs.endpoint,
      apnsUrl: simulator.url,
      calls: quick
        ? { oneToOne: 20, oneToOneQueued: 20, group100: 3, group1000: 1 }
        : { oneToOne: 100, oneToOneQueued: 100, group100: 10, group1000: 3 },
    };
    // stdout into a file, as the sender's log lines go to CloudWatch Logs: the worker sizes it per workload.
    measured = await runChild('bench/sender/cost-worker.ts', [JSON.stringify(input)], {
      timeoutMs: 240_000,
      env: { POWERTOOLS_METRICS_NAMESPACE: 'VoipPushBench', AWS_REGION: 'us-east-1' },
      stdoutFile: logFile,
    });
  } finally {
    rmSync(logFile, { force: true });
    await simulator.stop();
  }

  const deployment: DeploymentAssumptions = {
    memoryMb: SENDER_DEPLOYMENT.memoryMb,
    platformLogBytesPerInvocation: SENDER_DEPLOYMENT.platformLogBytesPerInvocation,
    secretsCallsPerPush: secretsCallsPerPush(
      SENDER_DEPLOYMENT.secrets,
      EnvDefault.credentialCacheSeconds,
      SENDER_DEPLOYMENT.pushesPerEnvironmentSecond,
    ),
  };
  const sns = snsPerMillionPushes();
  const results = WORKLOADS.map((w) => {
    const m = measured[w.id];
    const usage = usagePerPush(m, deployment);
    const cost = costPerMillionPushes(usage);
    // The same, with each invocation billed at least the time its CPU work takes at 512 MB's CPU share.
    const cpuBound = costPerMillionPushes({
      ...usage,
      gbSeconds:
        billedGbSeconds(
          m.invocationMs.map((ms, i) =>
            Math.max(ms, cpuBoundMs(m.invocationCpuMs[i] ?? 0, deployment.memoryMb)),
          ),
          deployment.memoryMb,
        ) / Math.max(1, m.pushes),
    });
    const perPush = (n: number): number => round(n / Math.max(1, m.pushes));
    const requests: Record<string, number> = Object.fromEntries(
      Object.entries(m.requests)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, n]) => [key, perPush(n)]),
    );
    requests['lambda:Invoke'] = perPush(m.invocationMs.length);
    requests['secretsmanager:GetSecretValue'] = round(deployment.secretsCallsPerPush);
    return { workload: w, measured: m, usage, cost, cpuBound, requests };
  });

  const rows = results.map((r) => [
    r.workload.name,
    r.measured.calls,
    r.measured.pushes,
    ...PART_NAMES.map((part) => round(r.cost.parts[part])),
    round(r.cost.usdPerMillionPushes),
    `${Math.round((r.cost.usdPerMillionPushes / sns) * 100)}%`,
  ]);
  rows.push([
    'SNS mobile push (publish + delivery), for comparison',
    '',
    '',
    ...PART_NAMES.map(() => ''),
    sns,
    '100%',
  ]);
  const describe = (r: (typeof results)[number]): string =>
    `${r.workload.name}, per push: ${Object.entries(r.requests)
      .map(([key, n]) => `${key} ${n}`)
      .join(', ')}; ${round(r.usage.readUnits)} read and ${round(r.usage.writeUnits)} write units; ` +
    `${round(r.measured.stdoutBytes / Math.max(1, r.measured.pushes))} bytes of stdout; handler p50 ` +
    `${round(median(r.measured.invocationMs))} ms, CPU ${round(median(r.measured.invocationCpuMs))} ms per invocation.`;
  const oddities = results.flatMap((r) => {
    const expected = r.measured.calls * r.workload.devicesPerCall;
    const { failedRecords, dynamodbErrors, pushes } = r.measured;
    return failedRecords + dynamodbErrors > 0 || pushes !== expected
      ? [
          `${r.workload.name}: ${pushes} pushes of ${expected} devices, ${failedRecords} failed records, ${dynamodbErrors} failed DynamoDB requests (their units are not counted).`,
        ]
      : [];
  });
  return {
    id: 'cost',
    title: '7. Cost: AWS requests per push priced in $ per million pushes (docs/prices.md, us-east-1)',
    columns: [
      'workload',
      'calls',
      'pushes',
      'SQS',
      'DynamoDB read',
      'DynamoDB write',
      'Lambda duration',
      'Lambda requests',
      'logs',
      'secrets',
      '$ / million pushes',
      'of SNS',
    ],
    rows,
    notes: [
      'Every AWS SDK request of the worker process recorded (local/aws-request-recorder.ts): the publisher’s SendMessageBatch to fauxqs, the local poller’s ReceiveMessage and DeleteMessageBatch (the event source mapping’s), the real sender handler’s DynamoDB Local requests with their ConsumedCapacity (transactions doubled as AWS bills them). One call at a time: each batch holds one call, as a quiet queue without a batching window (as deployed) gives, and the targets are checked on that. “Calls queued” publishes its calls to a second queue before a poller starts on it, so batches of up to 10 share a receive, a delete and an invocation, as under load.',
      ...results.map(describe),
      `Lambda: arm64, ${deployment.memoryMb} MB (infra/config.ts senderMemoryMb default), each invocation's measured handler wall time rounded up to the ms; APNs answers held ${APNS_HOLD_MS} ms by the simulator. Here DynamoDB Local answers in ≈ 1 ms and the handler has a full core; Lambda at ${deployment.memoryMb} MB has ${round(deployment.memoryMb / 1769)} vCPU. Billing each invocation at least its CPU time scaled to that share gives ${results.map((r) => `${usd(r.cpuBound.usdPerMillionPushes)} (${r.workload.id}, duration part ${usd(r.cpuBound.parts.lambdaDuration)})`).join(', ')} per million pushes.`,
      `The delivery records (one Query per shard of an event's recipients before its pushes, a PutItem per batch of results: ADR 0013) are the DynamoDB write part; without the writes: ${results.map((r) => `${usd(r.cost.usdPerMillionPushes - r.cost.parts.dynamodbWrite)} (${r.workload.id})`).join(', ')}. Largest event body ${Math.max(...results.map((r) => r.measured.maxEventBytes))} bytes, under the 64 KB SQS bills as one request.`,
      `Logs: the sender's stdout (log lines and EMF documents) plus ${deployment.platformLogBytesPerInvocation} bytes of START/END/REPORT lines per invocation, at CloudWatch Logs ingestion (1 GB = 10⁹ bytes). Storage, custom metrics, alarms and dashboards are monthly, not per push, and not counted.`,
      `Secrets Manager: not called here (credential from a file); in AWS each of ${SENDER_DEPLOYMENT.secrets} secret(s) is fetched once per ${EnvDefault.credentialCacheSeconds} s (CREDENTIAL_CACHE_SECONDS) per warm environment, priced at ${SENDER_DEPLOYMENT.pushesPerEnvironmentSecond} push/s per environment (a light load; more traffic makes it smaller).`,
      'Not per push and not counted: empty long polls of the event source mapping while the queue is idle, the register API and receipts, storage. SNS is the price of its publish plus delivery alone, before any Lambda, queue or table work of a SNS-based design.',
      ...oddities,
    ],
    targets: WORKLOADS.flatMap((w) => {
      const r = results.find((x) => x.workload.id === w.id);
      if (w.target === undefined || r === undefined) return [];
      return [
        check(
          'cost',
          `≤ $${w.target} per million pushes (${w.name})`,
          usd(r.cost.usdPerMillionPushes),
          r.cost.usdPerMillionPushes <= w.target,
        ),
      ];
    }),
    charts: [
      {
        title: '$ per million pushes (lower is better)',
        unit: '$',
        bars: [
          ...results.map((r) => ({ label: r.workload.name, value: round(r.cost.usdPerMillionPushes) })),
          { label: 'SNS mobile push', value: sns },
        ],
      },
    ],
    data: {
      cost: Object.fromEntries(
        results.map((r) => [
          r.workload.id,
          {
            usdPerMillionPushes: round(r.cost.usdPerMillionPushes),
            parts: Object.fromEntries(PART_NAMES.map((part) => [part, round(r.cost.parts[part])])),
            requests: r.requests,
            usagePerPush: Object.fromEntries(Object.entries(r.usage).map(([k, v]) => [k, round(v)])),
            cpuBoundUsdPerMillionPushes: round(r.cpuBound.usdPerMillionPushes),
            calls: r.measured.calls,
            pushes: r.measured.pushes,
            maxEventBytes: r.measured.maxEventBytes,
          },
        ]),
      ),
      snsUsdPerMillionPushes: sns,
      assumptions: { ...SENDER_DEPLOYMENT, apnsHoldMs: APNS_HOLD_MS },
    },
  };
}

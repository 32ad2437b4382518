/**
 * Item 7 in a process of its own: every AWS request one call costs on the push path, recorded with
 * local/aws-request-recorder.ts. The publisher sends each call to fauxqs, the local poller (Lambda's
 * event source mapping) receives and deletes it, and the real sender handler looks the devices up on
 * DynamoDB Local, reads and records their deliveries and pushes to the APNs simulator. One call at a
 * time, so each batch holds one call (what a quiet queue with no batching window, as deployed,
 * gives); one workload queues its calls on a second queue before a poller starts on it, so batches
 * fill as under load.
 */
import { fstatSync } from 'node:fs';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSenderHandler } from '../../functions/sender/create-handler';
import { AwsRequestRecorder, recordAwsRequests } from '../../local/aws-request-recorder';
import { type SqsLambdaHandler, startPoller } from '../../local/poller';
import { publishIncomingCall } from '../../publisher/index';
import { emitResult } from '../lib/child';
import { benchCallEvent, LOCAL_AWS, type SeedDevice, setUpSender } from './sender-setup';
import { PortTimes, timedPorts } from './timed-ports';

export interface CostWorkerInput {
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly apnsUrl: string;
  /** Calls per workload. */
  readonly calls: {
    readonly oneToOne: number;
    /** 1:1 calls queued before the poller starts: batches of up to 10. */
    readonly oneToOneQueued: number;
    readonly group100: number;
    readonly group1000: number;
  };
}

export type WorkloadId = keyof CostWorkerInput['calls'];

/** What one workload used in total; the section divides by pushes and prices it (bench/lib/cost.ts). */
export interface WorkloadUsage {
  readonly calls: number;
  readonly pushes: number;
  readonly failedRecords: number;
  /** Requests per `service:action`; SQS receives only when they returned messages. */
  readonly requests: Record<string, number>;
  /** Long polls that returned nothing or were cut at the end: idle polling, not per push. */
  readonly emptyReceives: number;
  readonly dynamodbErrors: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Handler wall time and process CPU of each invocation, ms. */
  readonly invocationMs: readonly number[];
  readonly invocationCpuMs: readonly number[];
  /** What the sender wrote to stdout (its log lines and EMF documents). */
  readonly stdoutBytes: number;
  /** Largest call event body sent (SQS bills each 64 KB of a payload as one request). */
  readonly maxEventBytes: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as CostWorkerInput;
const pairs = Array.from({ length: 10 }, (_, i) => `pair-user-${i}`);
const members = Array.from({ length: 1000 }, (_, i) => `member-${i}`);
const devices: SeedDevice[] = [
  ...pairs.flatMap((userId) => [
    { userId, deviceId: 'phone' },
    { userId, deviceId: 'tablet' },
  ]),
  ...members.map((userId) => ({ userId, deviceId: 'phone' })),
];
const bench = await setUpSender({
  dynamodbEndpoint: input.dynamodbEndpoint,
  apnsUrl: input.apnsUrl,
  devices,
});
const times = new PortTimes();
const sender = createSenderHandler({ ...bench.deps, fanOut: timedPorts(bench.deps.fanOut, times) });

const invocationMs: number[] = [];
const invocationCpuMs: number[] = [];
let handled = 0;
let failedRecords = 0;
const measured: SqsLambdaHandler = async (event, context) => {
  const cpu = process.cpuUsage();
  const start = performance.now();
  try {
    const response = await sender(event, context);
    failedRecords += response.batchItemFailures.length;
    return response;
  } finally {
    invocationMs.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    invocationCpuMs.push((used.user + used.system) / 1000);
    handled += event.Records.length;
  }
};

const recorder = new AwsRequestRecorder({ returnConsumedCapacity: true });
recordAwsRequests(recorder);
const sqs = new SQSClient({ endpoint: input.sqsEndpoint, ...LOCAL_AWS });
const newQueue = async (name: string): Promise<string> =>
  (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${bench.suffix}` }))).QueueUrl as string;
const queueUrl = await newQueue('bench-cost');
const queuedUrl = await newQueue('bench-cost-queued');
const startMeasuredPoller = (url: string) =>
  startPoller({ sqsClient: sqs, queueUrl: url, waitTimeSeconds: 20, handler: measured });
const poller = startMeasuredPoller(queueUrl);
const count = (action: string): number => recorder.records.filter((r) => r.action === action).length;
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`cost worker: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}
await until(() => count('GetQueueAttributes') > 0, "the poller's queue lookup");

let seq = 0;
async function workload(
  calls: number,
  recipientsOf: (i: number) => readonly string[],
  queued = false,
): Promise<WorkloadUsage> {
  recorder.clear();
  times.reset();
  invocationMs.length = 0;
  invocationCpuMs.length = 0;
  handled = 0;
  failedRecords = 0;
  const stdoutBefore = fstatSync(1).size;
  let maxEventBytes = 0;
  for (let i = 0; i < calls; i++) {
    const { type: _type, ...draft } = benchCallEvent(bench.suffix, seq++, recipientsOf(i));
    maxEventBytes = Math.max(maxEventBytes, Buffer.byteLength(JSON.stringify(draft)));
    const result = await publishIncomingCall(sqs, queued ? queuedUrl : queueUrl, draft);
    if (!result.ok) throw new Error(`cost worker: publish failed: ${JSON.stringify(result)}`);
    if (!queued) await until(() => handled > i, `call ${i}`);
  }
  const queuedPoller = queued ? startMeasuredPoller(queuedUrl) : undefined;
  await until(() => handled >= calls, 'every call');
  const batches = (): number =>
    recorder.records.filter((r) => r.action === 'ReceiveMessage' && (r.messagesReceived ?? 0) > 0).length;
  await until(() => count('DeleteMessageBatch') >= batches(), 'the last delete');
  await queuedPoller?.stop();
  const requests: Record<string, number> = {};
  let emptyReceives = 0;
  let dynamodbErrors = 0;
  for (const r of recorder.records) {
    if (r.action === 'ReceiveMessage' && (r.error !== undefined || (r.messagesReceived ?? 0) === 0)) {
      emptyReceives++;
      continue;
    }
    if (r.action === 'GetQueueAttributes') continue; // the local poller's start, not the mapping's
    if (r.service === 'dynamodb' && r.error !== undefined) dynamodbErrors++;
    const key = `${r.service}:${r.action}`;
    requests[key] = (requests[key] ?? 0) + 1;
  }
  const units = recorder.consumedUnits();
  return {
    calls,
    pushes: times.pushes,
    failedRecords,
    requests,
    emptyReceives,
    dynamodbErrors,
    readUnits: units.read,
    writeUnits: units.write,
    invocationMs: [...invocationMs],
    invocationCpuMs: [...invocationCpuMs],
    stdoutBytes: fstatSync(1).size - stdoutBefore,
    maxEventBytes,
  };
}

// A warm-up call (connections, JIT) first, not counted.
await workload(2, (i) => [pairs[i % pairs.length] as string]);
const result: Record<WorkloadId, WorkloadUsage> = {
  oneToOne: await workload(input.calls.oneToOne, (i) => [pairs[i % pairs.length] as string]),
  oneToOneQueued: await workload(
    input.calls.oneToOneQueued,
    (i) => [pairs[i % pairs.length] as string],
    true,
  ),
  group100: await workload(input.calls.group100, () => members.slice(0, 100)),
  group1000: await workload(input.calls.group1000, () => members),
};
await poller.stop();
await bench.deps.close();
emitResult(result);
process.exit(0);

/**
 * Items 2, 3 and 6 in one process of their own (so its RSS is the sender's): the real sender handler
 * (createSenderHandler + buildSenderDeps, Powertools Logger and Metrics writing to stdout as in Lambda)
 * against DynamoDB Local and the APNs simulator, beside a bare loop doing the same lookups and pushes.
 */
import { randomUUID } from 'node:crypto';
import { connect as http2Connect } from 'node:http2';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { createSenderHandler, type SenderHandler } from '../../functions/sender/create-handler';
import { devCaPem, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { lambdaContext, toSqsRecord } from '../../local/lambda-runtime';
import { InMemoryDeliveryStore } from '../../local/memory-delivery-store';
import { startPoller } from '../../local/poller';
import { LOCAL_REGION } from '../../local/services/dynamodb-local';
import { batchAttributes } from '../../shared/adapters/dynamodb/delivery-items';
import { batchKey, callShard } from '../../shared/adapters/dynamodb/delivery-key';
import { mapBounded } from '../../shared/lib/helpers';
import type { DeliveryBatchEntry } from '../../shared/ports/delivery-store';
import { DEFAULT_FAN_OUT_OPTIONS } from '../../shared/use-cases/fan-out-deps';
import { emitResult } from '../lib/child';
import { round, summarize } from '../lib/stats';
import { benchCallEvent, LOCAL_AWS, setUpSender } from './sender-setup';
import { PortTimes, timedPorts } from './timed-ports';

export interface SenderWorkerInput {
  readonly dynamodbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly apnsUrl: string;
  readonly recipients: number;
  readonly calls: number;
}

export interface PathTiming {
  readonly name: string;
  readonly wallMs: number;
  readonly pushes: number;
  readonly accepted: number;
  readonly lookupMs: number;
  readonly pushMs: number;
  readonly deliveryMs: number;
  readonly logMs: number;
  readonly logLines: number;
  /** ms from the path's start (the handler's, for one event) to the first and to the last accepted push. */
  readonly firstAcceptedMs: number;
  readonly lastAcceptedMs: number;
  /** CPU (user + system) of this process per push, µs: the sender's own work, DynamoDB Local and the simulator excluded. */
  readonly cpuUsPerPush: number;
}

export interface SenderWorkerResult {
  readonly paths: PathTiming[];
  readonly calls: {
    readonly count: number;
    readonly endToEnd: ReturnType<typeof summarize>;
    readonly queueWait: ReturnType<typeof summarize>;
    readonly senderOwn: ReturnType<typeof summarize>;
    /** Within the sender's own time: the device lookup, the delivery-record read and write, the push. */
    readonly ownLookup: ReturnType<typeof summarize>;
    readonly ownLease: ReturnType<typeof summarize>;
    readonly ownPush: ReturnType<typeof summarize>;
  };
  readonly peakRssMb: number;
  readonly rssAfterMb: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as SenderWorkerInput;
// One device per user.
const users = Array.from({ length: input.recipients }, (_, i) => `bench-user-${i}`);
const {
  suffix,
  documents,
  tables,
  deps: baseDeps,
} = await setUpSender({
  dynamodbEndpoint: input.dynamodbEndpoint,
  apnsUrl: input.apnsUrl,
  devices: users.map((userId, i) => ({ userId, deviceId: `phone-${i}` })),
});
const times = new PortTimes();
const handler: SenderHandler = createSenderHandler({
  ...baseDeps,
  fanOut: timedPorts(baseDeps.fanOut, times),
});
/** The same sender with the delivery records in memory: isolates what the DynamoDB records cost. */
const handlerMemoryLease: SenderHandler = createSenderHandler({
  ...baseDeps,
  fanOut: timedPorts({ ...baseDeps.fanOut, deliveries: new InMemoryDeliveryStore() }, times),
});

let messageSeq = 0;
const context = (): Context => lambdaContext({ functionName: 'bench-sender', timeoutMs: 30_000 });
const callEvent = (recipients: readonly string[]): string =>
  JSON.stringify(benchCallEvent(suffix, messageSeq, recipients));
const benchQueue = { arn: 'arn:aws:sqs:us-east-1:000000000000:bench', region: LOCAL_REGION };
const record = (body: string): SQSRecord =>
  toSqsRecord({ MessageId: `m-${suffix}-${messageSeq++}`, ReceiptHandle: 'r', Body: body }, benchQueue);

async function senderPath(
  name: string,
  events: SQSEvent[],
  run: SenderHandler = handler,
): Promise<PathTiming> {
  times.reset();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let failures = 0;
  for (const event of events) failures += (await run(event, context())).batchItemFailures.length;
  const wallMs = performance.now() - start;
  if (failures > 0) process.stderr.write(`sender path ${name}: ${failures} record failures\n`);
  return {
    name,
    wallMs: round(wallMs),
    pushes: times.pushes,
    accepted: times.pushes,
    lookupMs: round(times.lookupMs),
    pushMs: round(times.pushMs),
    deliveryMs: round(times.deliveryMs),
    logMs: round(times.logMs),
    logLines: times.logLines,
    firstAcceptedMs: round(times.firstAcceptedAt - start),
    lastAcceptedMs: round(times.lastAcceptedAt - start),
    cpuUsPerPush: cpuPerPush(cpu, times.pushes),
  };
}

// The bare loop: the same Query per recipient (same client options, same concurrency as the sender's
// lookupConcurrency), then the same pushes on one bare http2 session (the sender's pushConcurrency).
const session = http2Connect(input.apnsUrl, { ca: devCaPem() });
session.on('error', () => {});
const authorization = (await (async () => {
  const { ProviderTokenSigner } = await import('../../shared/adapters/apns/provider-token');
  return new ProviderTokenSigner(devTokenCredential()).authorization();
})()) as string;
const barePayload = JSON.parse(callEvent(['x'])) as Record<string, unknown>;
/** The bare loop's first and last accepted push since `barePath` began, kept as the sender's are. */
const bareTimes = new PortTimes();
function barePush(token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': `/3/device/${token}`,
      'apns-push-type': 'voip',
      'apns-topic': 'com.example.voip.voip',
      'apns-priority': '10',
      'apns-expiration': String(Math.floor(Date.now() / 1000) + 30),
      'apns-id': randomUUID(),
      authorization,
    });
    let status = 0;
    stream.on('response', (h) => {
      status = Number(h[':status']);
    });
    stream.on('error', () => {});
    stream.on('close', () => resolve(status === 200));
    stream.resume();
    stream.end(JSON.stringify(barePayload));
  });
}
interface BareDevice {
  readonly userId: string;
  readonly deviceId: string;
  readonly token: string;
}
async function bareLookup(userId: string): Promise<BareDevice[]> {
  const page = await documents.send(
    new QueryCommand({
      TableName: tables.devices,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':prefix': 'DEVICE#' },
      ConsistentRead: true,
    }),
  );
  return (page.Items ?? []).map((item) => ({
    userId,
    deviceId: String(item.deviceId),
    token: String(item.voipToken),
  }));
}
/** The sender's delivery-state requests, bare: one Query per shard the recipients fall in. */
async function bareReadState(callId: string, recipients: readonly string[]): Promise<void> {
  const shards = [...new Set(recipients.map(callShard))];
  await Promise.all(
    shards.map((shard) =>
      documents.send(
        new QueryCommand({
          TableName: tables.deliveries,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :kind)',
          ExpressionAttributeValues: { ':pk': `CALL#${callId}#${shard}`, ':kind': 'VOIP#' },
          ConsistentRead: true,
        }),
      ),
    ),
  );
}
/** ... and the sender's batches of results: one PutItem per shard and 25 devices, the same item it writes. */
async function bareWriteState(
  callId: string,
  results: ReadonlyArray<{ device: BareDevice; accepted: boolean }>,
): Promise<void> {
  const now = Date.now();
  const byShard = new Map<string, DeliveryBatchEntry[]>();
  for (const { device, accepted } of results) {
    const entry: DeliveryBatchEntry = {
      userId: device.userId,
      deviceId: device.deviceId,
      status: accepted ? 'accepted' : 'failed',
      bundleId: 'com.example.voip',
      environment: 'sandbox',
      apnsId: randomUUID(),
      statusCode: accepted ? 200 : 500,
      ...(accepted ? { acceptedAt: new Date(now).toISOString() } : {}),
      createdAt: new Date(now).toISOString(),
    };
    const shard = callShard(device.userId);
    byShard.set(shard, [...(byShard.get(shard) ?? []), entry]);
  }
  const writes: Promise<unknown>[] = [];
  for (const [shard, entries] of byShard) {
    for (let i = 0; i < entries.length; i += DEFAULT_FAN_OUT_OPTIONS.recordBatchSize) {
      const batch = {
        callId,
        pushType: 'voip' as const,
        group: shard,
        entries: entries.slice(i, i + DEFAULT_FAN_OUT_OPTIONS.recordBatchSize),
      };
      writes.push(
        documents.send(
          new PutCommand({
            TableName: tables.deliveries,
            Item: {
              ...batchKey(callId, 'voip', shard, randomUUID()),
              ...batchAttributes(batch, new Date(now).toISOString(), Math.floor(now / 1000) + 7 * 86_400),
            },
          }),
        ),
      );
    }
  }
  await Promise.all(writes);
}
/**
 * One event, bare: the lookups, then the pushes. With `state`, also the requests the sender's delivery
 * state makes (the per-shard Query beside the lookups, a PutItem per batch of results): the baseline of
 * the CPU target, "a bare loop that makes the same DynamoDB and APNs requests".
 */
async function bareCall(
  recipients: readonly string[],
  state = false,
): Promise<{ pushes: number; accepted: number; lookupMs: number; pushMs: number; deliveryMs: number }> {
  let lookupMs = 0;
  let pushMs = 0;
  let deliveryMs = 0;
  const callId = `bare-${randomUUID()}`;
  const read = state ? bareReadState(callId, recipients) : Promise.resolve();
  const found = (
    await mapBounded(recipients, 16, async (userId) => {
      const t = performance.now();
      const devices = await bareLookup(userId);
      lookupMs += performance.now() - t;
      return devices;
    })
  ).flat();
  const t = performance.now();
  await read;
  deliveryMs += performance.now() - t;
  const ok = await mapBounded(found, 64, async (device) => {
    const t = performance.now();
    const accepted = await barePush(device.token);
    const at = performance.now();
    pushMs += at - t;
    if (accepted) bareTimes.accepted(at);
    return { device, accepted };
  });
  if (state) {
    const t = performance.now();
    await bareWriteState(callId, ok);
    deliveryMs += performance.now() - t;
  }
  return {
    pushes: found.length,
    accepted: ok.filter((r) => r.accepted).length,
    lookupMs,
    pushMs,
    deliveryMs,
  };
}
function cpuPerPush(since: NodeJS.CpuUsage, pushes: number): number {
  const used = process.cpuUsage(since);
  return round((used.user + used.system) / Math.max(1, pushes));
}

async function barePath(name: string, batches: string[][][], state = false): Promise<PathTiming> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  bareTimes.reset();
  let pushes = 0;
  let accepted = 0;
  let lookupMs = 0;
  let pushMs = 0;
  let deliveryMs = 0;
  for (const batch of batches) {
    const results = await Promise.all(batch.map((recipients) => bareCall(recipients, state)));
    for (const r of results) {
      pushes += r.pushes;
      accepted += r.accepted;
      lookupMs += r.lookupMs;
      pushMs += r.pushMs;
      deliveryMs += r.deliveryMs;
    }
  }
  return {
    name,
    wallMs: round(performance.now() - start),
    pushes,
    accepted,
    lookupMs: round(lookupMs),
    pushMs: round(pushMs),
    deliveryMs: round(deliveryMs),
    logMs: 0,
    logLines: 0,
    firstAcceptedMs: round(bareTimes.firstAcceptedAt - start),
    lastAcceptedMs: round(bareTimes.lastAcceptedAt - start),
    cpuUsPerPush: cpuPerPush(cpu, pushes),
  };
}

// Item 2. Warm every path (connections, JIT) on the very workloads first, unmeasured, then interleave
// sender and bare runs. A warm-up of a few users left the JIT to the first measured path: the sender's
// first 1,000-recipient event then cost ≈ 45% more CPU than the same event run again later.
const fanOutEvent = (): SQSEvent[] => [{ Records: [record(callEvent(users))] }];
const oneEach = (): SQSEvent[] => {
  const events: SQSEvent[] = [];
  for (let i = 0; i < input.calls; i += 10)
    events.push({
      Records: users.slice(i, Math.min(i + 10, input.calls)).map((u) => record(callEvent([u]))),
    });
  return events;
};
const oneEachBare = (): string[][][] => {
  const batches: string[][][] = [];
  for (let i = 0; i < input.calls; i += 10)
    batches.push(users.slice(i, Math.min(i + 10, input.calls)).map((u) => [u]));
  return batches;
};
await senderPath('warm-up', fanOutEvent());
await senderPath('warm-up', oneEach());
await senderPath('warm-up', fanOutEvent(), handlerMemoryLease);
await barePath('warm-up', [[users]], true);
await barePath('warm-up', oneEachBare(), true);
const paths: PathTiming[] = [];
paths.push(await senderPath(`sender: 1 event → ${users.length} recipients`, fanOutEvent()));
paths.push(await barePath(`bare: 1 event → ${users.length} recipients`, [[users]]));
paths.push(
  await senderPath(
    `sender, records in memory: 1 event → ${users.length} recipients`,
    fanOutEvent(),
    handlerMemoryLease,
  ),
);
paths.push(await senderPath(`sender: ${input.calls} one-recipient events (batches of 10)`, oneEach()));
paths.push(await barePath(`bare: ${input.calls} one-recipient events (batches of 10)`, oneEachBare()));
paths.push(
  await senderPath(
    `sender, records in memory: ${input.calls} one-recipient events (batches of 10)`,
    oneEach(),
    handlerMemoryLease,
  ),
);
// The CPU target's baseline: bare, with the sender's delivery-state requests too.
paths.push(await barePath(`bare, same requests: 1 event → ${users.length} recipients`, [[users]], true));
paths.push(
  await barePath(
    `bare, same requests: ${input.calls} one-recipient events (batches of 10)`,
    oneEachBare(),
    true,
  ),
);

// Item 3. One call at a time through fauxqs and the local poller (Lambda's event source mapping).
const sqs = new SQSClient({ endpoint: input.sqsEndpoint, ...LOCAL_AWS });
const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `bench-calls-${suffix}` })))
  .QueueUrl as string;
let handlerStart = 0;
let handlerStartWall = 0;
let sentTimestamp = 0;
let answered: ((at: number) => void) | undefined;
const poller = startPoller({
  sqsClient: sqs,
  queueUrl,
  waitTimeSeconds: 20,
  handler: (event, ctx) => {
    handlerStart = performance.now();
    handlerStartWall = Date.now();
    sentTimestamp = Number(event.Records[0]?.attributes.SentTimestamp);
    return handler(event, ctx);
  },
});
times.onAnswer = (at) => answered?.(at);
const ownLookup: number[] = [];
const ownLease: number[] = [];
const ownPush: number[] = [];
const endToEnd: number[] = [];
const queueWait: number[] = [];
const senderOwn: number[] = [];
const deadline = Date.now() + 120_000;
for (let i = 0; i < input.calls && Date.now() < deadline; i++) {
  const done = new Promise<number>((resolve) => {
    answered = resolve;
  });
  times.reset();
  const published = performance.now();
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: callEvent([users[i % users.length] as string]),
    }),
  );
  const answerAt = await Promise.race([
    done,
    new Promise<number>((r) => setTimeout(() => r(Number.NaN), 10_000)),
  ]);
  if (Number.isNaN(answerAt)) continue;
  if (i < 5) continue; // warm-up
  endToEnd.push(answerAt - published);
  queueWait.push(handlerStartWall - sentTimestamp);
  senderOwn.push(answerAt - handlerStart);
  ownLookup.push(times.lookupMs);
  ownPush.push(times.pushMs);
  // Claim before the push; the completion after it may still be running when the answer is seen.
  ownLease.push(times.deliveryMs);
  await new Promise((r) => setTimeout(r, 2)); // let the poller delete the message before the next call
}
await poller.stop();

const result: SenderWorkerResult = {
  paths,
  calls: {
    count: endToEnd.length,
    endToEnd: summarize(endToEnd),
    queueWait: summarize(queueWait),
    senderOwn: summarize(senderOwn),
    ownLookup: summarize(ownLookup),
    ownLease: summarize(ownLease),
    ownPush: summarize(ownPush),
  },
  peakRssMb: round(process.resourceUsage().maxRSS / 1024),
  rssAfterMb: round(process.memoryUsage().rss / 2 ** 20),
};
emitResult(result);
process.exit(0);

// A fresh plain `node` (no tsx: its loader hooks would sit in the bundle's import) that imports the
// bundled sender as Lambda's init does, then invokes it once cold and once warm. The tables, the seeded
// device and the environment come from the parent (bench/sections/cold-start.ts).
import { randomUUID } from 'node:crypto';

const input = JSON.parse(process.argv[2] ?? '{}');
const event = () => ({
  Records: [
    {
      messageId: randomUUID(),
      receiptHandle: 'r',
      body: JSON.stringify({
        version: 1,
        type: 'incoming_call',
        callId: `c-${randomUUID()}`,
        recipients: [input.userId],
        caller: { id: 'user-9', displayName: 'Ada' },
        createdAt: new Date().toISOString(),
      }),
      attributes: { SentTimestamp: String(Date.now()), ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
      awsRegion: 'us-east-1',
    },
  ],
});
const context = { functionName: 'sender', awsRequestId: 'x', getRemainingTimeInMillis: () => 10_000 };

const t0 = performance.now();
const mod = await import(input.bundle);
const loadMs = performance.now() - t0;
const t1 = performance.now();
const first = await mod.handler(event(), context);
const firstPushMs = performance.now() - t1;
const t2 = performance.now();
const second = await mod.handler(event(), context);
const warmPushMs = performance.now() - t2;
const failures = first.batchItemFailures.length + second.batchItemFailures.length;
process.stderr.write(`BENCH_RESULT ${JSON.stringify({ loadMs, firstPushMs, warmPushMs, failures })}\n`);
process.exit(0);

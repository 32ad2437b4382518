/**
 * The sender as one warm Lambda execution environment, in a process of its own so its memory is its
 * own: the deployed bundle (SOAK_SENDER_MODULE, the `cdk synth` asset; configured by the environment
 * the parent sets) fed by local/poller.ts, as Lambda's SQS event source mapping would. Log lines go to stdout;
 * memory samples and "ready" go to the parent over IPC. Stops on SIGTERM after the batch in hand.
 */
import { pathToFileURL } from 'node:url';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type SqsLambdaHandler, startPoller } from '../../local/poller';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

export interface SoakChildMessage {
  readonly kind: 'ready' | 'memory';
  readonly at: number;
  readonly rss?: number;
  readonly heapUsed?: number;
}

const send = (message: SoakChildMessage) => process.send?.(message);

const module = (await import(pathToFileURL(env('SOAK_SENDER_MODULE')).href)) as Record<string, unknown>;
const handler = module[env('SOAK_SENDER_EXPORT')] as SqsLambdaHandler;
const sqsClient = new SQSClient({ endpoint: env('SQS_ENDPOINT') });
const poller = startPoller({
  sqsClient,
  queueUrl: env('CALL_QUEUE_URL'),
  handler,
  functionTimeoutMs: Number(env('SOAK_FUNCTION_TIMEOUT_MS')),
  log: (level, message, data) =>
    process.stderr.write(`${JSON.stringify({ level: level.toUpperCase(), message, ...data })}\n`),
});

const sample = () => {
  const { rss, heapUsed } = process.memoryUsage();
  send({ kind: 'memory', at: Date.now(), rss, heapUsed });
};
const timer = setInterval(sample, Number(env('SOAK_SAMPLE_MS')));
send({ kind: 'ready', at: Date.now() });
sample();

process.once('SIGTERM', () => {
  clearInterval(timer);
  void poller.stop().finally(() => {
    sqsClient.destroy();
    process.exit(0);
  });
});
// The parent went away (killed): so do we.
process.once('disconnect', () => process.exit(1));

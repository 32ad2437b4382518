import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Records every AWS SDK v3 request a process sends: which service and action, the resources named in
 * its input, DynamoDB's consumed capacity, SQS batch sizes, time and outcome. The bench turns the
 * records into dollars per million pushes; the IAM check compares them with each function's policy.
 *
 * `recordAwsRequests()` reaches every client of the process (including ones built inside handlers):
 * it wraps the SDK's shared `Client.prototype.send` and adds one middleware to each client's stack the
 * first time it sends. Local tools and tests only: production code never imports this.
 */

export interface ConsumedCapacityUnits {
  readonly read: number;
  readonly write: number;
}

export interface AwsRequestRecord {
  /** IAM service prefix: `dynamodb`, `sqs`, `secretsmanager`, `cloudwatch`, ... */
  readonly service: string;
  /** IAM action name, as the SDK command without `Command`: `PutItem`, `SendMessageBatch`. */
  readonly action: string;
  /** Table names, queue URLs or secret ids the input names (empty when the action takes none). */
  readonly resources: readonly string[];
  /** The secondary index a Query or Scan names (`IndexName`). */
  readonly index?: string;
  /**
   * The operations inside a DynamoDB transaction, each with its table: `Put`, `Update`, `Delete`,
   * `ConditionCheck` (TransactWriteItems) or `Get` (TransactGetItems). IAM authorizes each one apart.
   */
  readonly items?: readonly TransactionItem[];
  /** Entries of a batch action (SQS SendMessageBatch/DeleteMessageBatch, DynamoDB Batch*), else 1. */
  readonly entries: number;
  /** Capacity units as DynamoDB bills them, from DynamoDB's count when `returnConsumedCapacity` is on. */
  readonly consumed?: ConsumedCapacityUnits;
  /** Messages an SQS ReceiveMessage returned. */
  readonly messagesReceived?: number;
  readonly durationMs: number;
  /** The error's name when the request failed (`ConditionalCheckFailedException`, ...). */
  readonly error?: string;
}

export interface TransactionItem {
  readonly operation: string;
  readonly resource: string;
}

export interface RecorderOptions {
  /** Asks DynamoDB for `ReturnConsumedCapacity: TOTAL` where the caller did not ask for it. */
  readonly returnConsumedCapacity?: boolean;
}

export class AwsRequestRecorder {
  readonly records: AwsRequestRecord[] = [];
  constructor(readonly options: RecorderOptions = {}) {}

  clear(): void {
    this.records.length = 0;
  }

  /** Requests per `service:action`, the shape a cost table or a policy check reads. */
  countByAction(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.records) {
      const key = `${r.service}:${r.action}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** Total DynamoDB capacity units the recorded requests consumed. */
  consumedUnits(): ConsumedCapacityUnits {
    let read = 0;
    let write = 0;
    for (const r of this.records) {
      read += r.consumed?.read ?? 0;
      write += r.consumed?.write ?? 0;
    }
    return { read, write };
  }
}

const CAPACITY_ACTIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

type Input = Record<string, unknown>;
type Handler = (args: { input: Input }) => Promise<{ output: Input }>;
type Context = { clientName?: string; commandName?: string };
interface Stack {
  add(middleware: (next: Handler, context: Context) => Handler, options: object): void;
}
interface SendingClient {
  middlewareStack: Stack;
}

const active = new Set<AwsRequestRecorder>();
const instrumented = new WeakSet<object>();
let restoreSend: (() => void) | undefined;

/** Starts recording every SDK request of this process into `recorder`; returns the stop function. */
export function recordAwsRequests(recorder: AwsRequestRecorder): () => void {
  active.add(recorder);
  if (!restoreSend) restoreSend = patchSend();
  return () => {
    active.delete(recorder);
    if (active.size === 0 && restoreSend) {
      restoreSend();
      restoreSend = undefined;
    }
  };
}

function patchSend(): () => void {
  // Every SDK v3 client, the DynamoDB document client included, inherits this one `send`.
  const proto = Object.getPrototypeOf(DynamoDBClient.prototype) as {
    send: (this: SendingClient, ...args: unknown[]) => unknown;
  };
  const original = proto.send;
  proto.send = function send(this: SendingClient, ...args: unknown[]) {
    instrument(this);
    return original.apply(this, args);
  };
  return () => {
    proto.send = original;
  };
}

function instrument(client: SendingClient): void {
  const stack = client.middlewareStack;
  if (instrumented.has(stack)) return;
  instrumented.add(stack);
  stack.add(recordingMiddleware, { step: 'initialize', name: 'awsRequestRecorder', priority: 'high' });
}

function recordingMiddleware(next: Handler, context: Context): Handler {
  return async (args) => {
    if (active.size === 0) return next(args);
    const service = serviceOf(context.clientName ?? '');
    const action = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    const wantsCapacity =
      service === 'dynamodb' &&
      CAPACITY_ACTIONS.has(action) &&
      args.input.ReturnConsumedCapacity === undefined &&
      [...active].some((r) => r.options.returnConsumedCapacity);
    const input = wantsCapacity ? { ...args.input, ReturnConsumedCapacity: 'TOTAL' } : args.input;
    const started = performance.now();
    try {
      const result = await next({ ...args, input });
      push({ ...describe(service, action, input, result.output), durationMs: performance.now() - started });
      return result;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      push({ ...describe(service, action, input, {}), durationMs: performance.now() - started, error: name });
      throw error;
    }
  };
}

function push(record: AwsRequestRecord): void {
  for (const recorder of active) recorder.records.push(record);
}

/** The IAM service prefix of an `X-Amz-Target` header's service part. */
const TARGET_SERVICES: Readonly<Record<string, string>> = {
  DynamoDB_20120810: 'dynamodb',
  AmazonSQS: 'sqs',
  secretsmanager: 'secretsmanager',
  GraniteServiceVersion20100801: 'cloudwatch',
};

/**
 * The record of a request seen on the wire (`X-Amz-Target: DynamoDB_20120810.PutItem` and its JSON
 * body), as the middleware would have recorded it: what local/aws-wire-recorder.mjs reports from a
 * bundled function. No consumed capacity (the response body is not read).
 */
export function recordOfWire(request: {
  readonly target: string;
  readonly input: Input;
  readonly errorType?: string;
  readonly durationMs: number;
}): AwsRequestRecord {
  const dot = request.target.indexOf('.');
  const prefix = request.target.slice(0, dot);
  const service = TARGET_SERVICES[prefix] ?? prefix.toLowerCase();
  return {
    ...describe(service, request.target.slice(dot + 1), request.input, {}),
    durationMs: request.durationMs,
    ...(request.errorType ? { error: request.errorType } : {}),
  };
}

/** `DynamoDBClient` → `dynamodb`, `SecretsManagerClient` → `secretsmanager`, `CloudWatchClient` → `cloudwatch`. */
export function serviceOf(clientName: string): string {
  return clientName
    .replace(/(DocumentClient|Client)$/, '')
    .toLowerCase()
    .replace(/^dynamodbdocument$/, 'dynamodb');
}

function describe(
  service: string,
  action: string,
  input: Input,
  output: Input,
): Omit<AwsRequestRecord, 'durationMs'> {
  const consumed = service === 'dynamodb' ? capacityOf(action, output.ConsumedCapacity) : undefined;
  const received = Array.isArray(output.Messages) ? output.Messages.length : undefined;
  const items = transactionItemsOf(input);
  return {
    service,
    action,
    resources: resourcesOf(input),
    ...(typeof input.IndexName === 'string' ? { index: input.IndexName } : {}),
    ...(items.length > 0 ? { items } : {}),
    entries: entriesOf(input),
    ...(consumed ? { consumed } : {}),
    ...(action === 'ReceiveMessage' ? { messagesReceived: received ?? 0 } : {}),
  };
}

/** The table names, queue URL or secret id an input names. */
export function resourcesOf(input: Input): string[] {
  const names = new Set<string>();
  for (const key of ['TableName', 'QueueUrl', 'SecretId'] as const) {
    if (typeof input[key] === 'string') names.add(input[key] as string);
  }
  if (isRecord(input.RequestItems)) for (const table of Object.keys(input.RequestItems)) names.add(table);
  for (const item of transactionItemsOf(input)) names.add(item.resource);
  return [...names];
}

/** Each operation of `TransactItems` (`{ Put: { TableName, ... } }`, ...) with its table. */
function transactionItemsOf(input: Input): TransactionItem[] {
  const transact = Array.isArray(input.TransactItems) ? input.TransactItems : [];
  return transact.flatMap((item) =>
    isRecord(item)
      ? Object.entries(item).flatMap(([operation, op]) =>
          isRecord(op) && typeof op.TableName === 'string' ? [{ operation, resource: op.TableName }] : [],
        )
      : [],
  );
}

function entriesOf(input: Input): number {
  if (Array.isArray(input.Entries)) return input.Entries.length;
  if (Array.isArray(input.TransactItems)) return input.TransactItems.length;
  if (isRecord(input.RequestItems)) {
    let n = 0;
    for (const v of Object.values(input.RequestItems)) {
      if (Array.isArray(v)) n += v.length;
      else if (isRecord(v) && Array.isArray(v.Keys)) n += v.Keys.length;
    }
    return n;
  }
  return 1;
}

const READ_ACTIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

/**
 * `ReturnConsumedCapacity: TOTAL` gives one `CapacityUnits` per table: read units for reads, else write
 * units. DynamoDB bills a transaction two units per item; DynamoDB Local reports one, so the recorder
 * doubles transactional units to count what AWS would bill.
 */
function capacityOf(action: string, value: unknown): ConsumedCapacityUnits | undefined {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  if (list.length === 0) return undefined;
  let units = 0;
  for (const c of list) if (isRecord(c) && typeof c.CapacityUnits === 'number') units += c.CapacityUnits;
  const billed = action.startsWith('Transact') ? units * 2 : units;
  return READ_ACTIONS.has(action) ? { read: billed, write: 0 } : { read: 0, write: billed };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

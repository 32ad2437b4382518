import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/**
 * Runs one bundled function as Lambda's Node.js runtime does: each execution environment a node process
 * of its own (local/function-runtime.mjs) that imports the handler once and takes one invocation at a
 * time over an IPC channel; warm environments reused, new ones started up to a cap, timeouts and crashes
 * ending the environment.
 */

export interface FunctionHostOptions {
  /** The function's name, e.g. `voip-push-sender`. */
  readonly name: string;
  /** The asset folder the handler string is resolved in. */
  readonly taskRoot: string;
  /** The template's handler string, `file.export` or `dir/file.export`. */
  readonly handler: string;
  /** The complete environment; only what Lambda's runtime sets and `env` lacks is added. */
  readonly env: Readonly<Record<string, string>>;
  /** @default 3 */
  readonly timeoutSeconds?: number;
  /** @default 128 */
  readonly memoryMB?: number;
  /** @default 4 */
  readonly maxEnvironments?: number;
  /** Each complete line the function prints. */
  readonly onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** @default process.execPath */
  readonly nodePath?: string;
  /**
   * Called with each AWS request the function sends (local/aws-wire-recorder.mjs, preloaded only when
   * this is given): the bundle's own SDK is out of reach of an in-process recorder.
   */
  readonly onAwsRequest?: (request: WireAwsRequest) => void;
}

/** An AWS request as it left an execution environment (JSON protocols: `X-Amz-Target` and body). */
export interface WireAwsRequest {
  readonly target: string;
  readonly input: Record<string, unknown>;
  readonly status: number;
  readonly errorType?: string;
  readonly durationMs: number;
}

export interface InvokeOptions {
  /** @default a fresh UUID */
  readonly awsRequestId?: string;
}

export interface FunctionHost {
  /** The handler's result (JSON round-tripped), or a rejection with a {@link FunctionError}; an event
   * that is not JSON is refused with the TypeError of its serialization. */
  invoke(event: unknown, options?: InvokeOptions): Promise<unknown>;
  /** Refuses new invocations, lets running ones finish for a short grace, then ends every environment. */
  stop(): Promise<void>;
}

/** A failed invocation, as Lambda reports an `Unhandled` function error. */
export class FunctionError extends Error {
  override readonly name = 'FunctionError';
  readonly functionError = 'Unhandled';
  constructor(
    readonly errorType: string,
    readonly errorMessage: string,
    readonly remoteStack = '',
  ) {
    super(`${errorType}: ${errorMessage}`);
  }
}

const RUNTIME = path.join(import.meta.dirname, 'function-runtime.mjs');
const WIRE_RECORDER = pathToFileURL(path.join(import.meta.dirname, 'aws-wire-recorder.mjs')).href;
/** Lambda's limit on an on-demand init phase. */
const INIT_LIMIT_MS = 10_000;
const STOP_GRACE_MS = 2_000;

interface Invocation {
  readonly id: number;
  readonly event: unknown;
  readonly awsRequestId: string;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
}

interface Environment {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  ready: boolean;
  /** Killed or failed: takes no more invocations, counts no more against the cap. */
  discarded: boolean;
  current?: Invocation;
  timer?: NodeJS.Timeout;
}

type Message =
  | { type: 'ready' }
  | ({ type: 'aws-request' } & WireAwsRequest)
  | { type: 'init-error'; error: WireError }
  | { id: number; result: unknown }
  | { id: number; error: WireError };
interface WireError {
  errorType: string;
  errorMessage: string;
  stack?: string;
}

/** What Lambda's runtime sets for one environment, under what `env` already has. */
function lambdaVariables(options: FunctionHostOptions, memoryMB: number): Record<string, string> {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    AWS_LAMBDA_FUNCTION_NAME: options.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMB),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: options.taskRoot,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${options.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    ...options.env,
  };
}

export function startFunctionHost(options: FunctionHostOptions): FunctionHost {
  const timeoutMs = (options.timeoutSeconds ?? 3) * 1000;
  const memoryMB = options.memoryMB ?? 128;
  const maxEnvironments = options.maxEnvironments ?? 4;
  const nodePath = options.nodePath ?? process.execPath;
  const environments = new Set<Environment>();
  const queue: Invocation[] = [];
  let nextId = 0;
  let stopping = false;

  const fail = (invocation: Invocation, errorType: string, errorMessage: string, stack?: string) =>
    invocation.reject(new FunctionError(errorType, errorMessage, stack));

  /** Ends an environment; its invocation, if any, fails with `errorType: errorMessage`. */
  function discard(env: Environment, errorType?: string, errorMessage?: string) {
    clearTimeout(env.timer);
    const invocation = env.current;
    env.current = undefined;
    env.discarded = true;
    env.child.kill('SIGKILL');
    if (invocation && errorType) fail(invocation, errorType, errorMessage ?? '');
  }

  function send(env: Environment, invocation: Invocation) {
    const deadlineMs = Date.now() + timeoutMs;
    env.timer = setTimeout(
      () => discard(env, 'Sandbox.Timedout', `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`),
      timeoutMs,
    );
    const { id, event, awsRequestId } = invocation;
    try {
      env.child.send({ id, event, deadlineMs, awsRequestId });
    } catch (error) {
      // Not JSON (a BigInt, a cycle): refused as Lambda's Invoke refuses it; the environment stays idle.
      clearTimeout(env.timer);
      env.current = undefined;
      invocation.reject(error as Error);
      dispatch();
    }
  }

  function onMessage(env: Environment, message: Message) {
    if (env.discarded) return;
    if ('type' in message && message.type === 'aws-request') {
      const { type: _type, ...request } = message;
      options.onAwsRequest?.(request);
      return;
    }
    if ('type' in message && message.type === 'ready') {
      clearTimeout(env.timer);
      env.ready = true;
      if (env.current) send(env, env.current);
      return;
    }
    if ('type' in message) {
      const { errorType, errorMessage } = message.error;
      discard(env, errorType, errorMessage);
      return dispatch();
    }
    const invocation = env.current;
    if (!invocation || invocation.id !== message.id) return;
    clearTimeout(env.timer);
    env.current = undefined;
    if ('error' in message)
      fail(invocation, message.error.errorType, message.error.errorMessage, message.error.stack);
    else invocation.resolve(message.result);
    dispatch();
  }

  function onExit(env: Environment, code: number | null, signal: NodeJS.Signals | null) {
    environments.delete(env);
    if (!env.discarded) {
      const status = signal ? `signal: ${signal}` : `exit status ${code}`;
      const phase = env.ready ? '' : ` during init of handler ${options.handler} in ${options.taskRoot}`;
      discard(env, 'Runtime.ExitError', `Runtime exited with error: ${status}${phase}`);
    }
    dispatch();
  }

  function startEnvironment(): Environment {
    const preload = options.onAwsRequest ? ['--import', WIRE_RECORDER] : [];
    const child = spawn(nodePath, [...preload, RUNTIME, options.handler], {
      cwd: options.taskRoot,
      env: lambdaVariables(options, memoryMB),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const env: Environment = { child, exited, ready: false, discarded: false };
    for (const stream of ['stdout', 'stderr'] as const) {
      const lines = createInterface({ input: child[stream] as NodeJS.ReadableStream, crlfDelay: Infinity });
      lines.on('line', (line) => options.onOutput?.(line, stream));
    }
    child.on('message', (message: Message) => onMessage(env, message));
    child.once('exit', (code, signal) => onExit(env, code, signal));
    // Node not started, or the channel gone under a send: the environment is done either way.
    child.on('error', (error) => discard(env, 'Runtime.ExitError', `${nodePath}: ${error.message}`));
    env.timer = setTimeout(
      () =>
        discard(
          env,
          'Runtime.InitError',
          `handler ${options.handler} in ${options.taskRoot}: init took over 10 s`,
        ),
      INIT_LIMIT_MS,
    );
    environments.add(env);
    return env;
  }

  /** Gives each queued invocation an idle environment, or a new one while under the cap. */
  function dispatch() {
    while (queue.length > 0 && !stopping) {
      const usable = [...environments].filter((env) => !env.discarded);
      const idle = usable.find((env) => env.ready && !env.current);
      if (!idle && usable.length >= maxEnvironments) return;
      const env = idle ?? startEnvironment();
      const invocation = queue.shift() as Invocation;
      env.current = invocation;
      if (env.ready) send(env, invocation);
    }
  }

  return {
    invoke(event, invokeOptions = {}) {
      if (stopping) return Promise.reject(new Error(`function host ${options.name} is stopped`));
      return new Promise((resolve, reject) => {
        nextId += 1;
        queue.push({
          id: nextId,
          event,
          awsRequestId: invokeOptions.awsRequestId ?? randomUUID(),
          resolve,
          reject,
        });
        dispatch();
      });
    },

    async stop() {
      stopping = true;
      for (const invocation of queue.splice(0)) {
        fail(
          invocation,
          'Runtime.Stopped',
          `function host ${options.name} stopped before the invocation ran`,
        );
      }
      const running = () => [...environments].filter((env) => env.current);
      const deadline = Date.now() + STOP_GRACE_MS;
      while (running().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const exits = [...environments].map((env) => env.exited);
      for (const env of environments) {
        discard(env, 'Runtime.Stopped', `function host ${options.name} stopped during the invocation`);
      }
      await Promise.all(exits);
    },
  };
}

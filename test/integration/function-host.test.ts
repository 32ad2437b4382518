import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  FunctionError,
  type FunctionHost,
  type FunctionHostOptions,
  startFunctionHost,
} from '../../local/function-host';
import { childPids, isAlive } from '../support/processes';

/** Fixture handlers (plain .mjs) run by the host in processes of their own, as Lambda runs a bundle. */
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/functions');
const NAME = 'voip-push-fixture';

interface Echo {
  event: unknown;
  pid: number;
  initPid: number;
  calls: number;
  cwd: string;
  context: Record<string, unknown> & { remainingMs: number };
  env: Record<string, string>;
}

let before: number[];
const hosts: FunctionHost[] = [];
beforeAll(() => {
  before = childPids();
});
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((host) => host.stop()));
  expect(childPids().filter((pid) => !before.includes(pid))).toEqual([]);
});

function host(handler: string, options: Partial<FunctionHostOptions> = {}): FunctionHost {
  const started = startFunctionHost({
    name: NAME,
    taskRoot: FIXTURES,
    handler,
    env: { AWS_REGION: 'eu-west-1' },
    timeoutSeconds: 5,
    ...options,
  });
  hosts.push(started);
  return started;
}

const echo = (target: FunctionHost, event: unknown = {}, awsRequestId?: string) =>
  target.invoke(event, { awsRequestId }) as Promise<Echo>;

/** The rejection of `promise`, which must reject with a FunctionError. */
async function failure(promise: Promise<unknown>): Promise<FunctionError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FunctionError);
  return error as FunctionError;
}

async function until(condition: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('an execution environment', () => {
  it('is a process of its own in the task root, reused warm with its module state', async () => {
    const functions = host('echo.handler');
    const first = await echo(functions, { n: 1 });
    const second = await echo(functions, { n: 2 });
    expect(first).toEqual(expect.objectContaining({ event: { n: 1 }, calls: 1, cwd: FIXTURES }));
    expect(first.pid).not.toBe(process.pid);
    expect(first.initPid).toBe(first.pid);
    expect(second).toEqual(expect.objectContaining({ event: { n: 2 }, calls: 2, pid: first.pid }));
  });

  it('gets the context Lambda builds', async () => {
    const { context } = await echo(host('echo.handler', { memoryMB: 256 }), {}, 'req-given');
    expect(context).toEqual({
      functionName: NAME,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:eu-west-1:000000000000:function:${NAME}`,
      memoryLimitInMB: '256',
      awsRequestId: 'req-given',
      logGroupName: `/aws/lambda/${NAME}`,
      logStreamName: expect.stringMatching(/^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/),
      callbackWaitsForEmptyEventLoop: true,
      remainingMs: expect.any(Number),
    });
    expect(context.remainingMs).toBeGreaterThan(4000);
    expect(context.remainingMs).toBeLessThanOrEqual(5000);
  });

  it("has the given environment and only Lambda's variables besides, none overriding a given one", async () => {
    const env = { AWS_REGION: 'eu-west-1', TZ: 'Europe/Paris', NODE_OPTIONS: '--no-deprecation', TABLE: 't' };
    const result = await echo(host('echo.handler', { env }));
    expect(result.env).toEqual({
      ...env,
      AWS_LAMBDA_FUNCTION_NAME: NAME,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: FIXTURES,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${NAME}`,
      AWS_LAMBDA_LOG_STREAM_NAME: result.context.logStreamName,
      LANG: 'en_US.UTF-8',
      PATH: process.env.PATH,
    });
  });

  it('returns results as JSON carries them, from async and callback handlers', async () => {
    expect(await host('echo.nothing').invoke({})).toBeNull();
    expect(await host('echo.shapes').invoke({})).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      list: [null, 1],
    });
    expect(await host('echo.callback').invoke({ a: 1 })).toEqual({ called: { a: 1 } });
  });
});

describe('concurrency', () => {
  it('runs parallel invocations in separate environments up to the cap, and queues beyond it', async () => {
    const functions = host('echo.handler', { maxEnvironments: 2 });
    const results = await Promise.all([1, 2, 3].map(() => echo(functions, { waitMs: 300 })));
    const pids = new Set(results.map((result) => result.pid));
    expect(pids.size).toBe(2);
    // The third waited for one of the two and ran there, warm.
    expect(results.map((result) => result.calls).sort()).toEqual([1, 1, 2]);
    expect(pids.has((await echo(functions)).pid)).toBe(true);
  });

  it('starts up to 4 environments by default', async () => {
    const functions = host('echo.handler');
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => echo(functions, { waitMs: 300 })));
    expect(new Set(results.map((result) => result.pid)).size).toBe(4);
  });
});

describe('failures', () => {
  it('rejects with the error the handler throws, and stays warm', async () => {
    const functions = host('throws.handler');
    const error = await failure(functions.invoke({ what: 'this call' }));
    expect(error).toEqual(
      expect.objectContaining({
        errorType: 'PushRefused',
        errorMessage: 'refused this call',
        functionError: 'Unhandled',
      }),
    );
    expect(error.remoteStack).toContain('throws.mjs');
    const sometimes = host('throws.sometimes');
    const pid = await sometimes.invoke({});
    await failure(sometimes.invoke({ fail: true }));
    expect(await sometimes.invoke({})).toBe(pid);
    expect(await failure(host('throws.string').invoke({}))).toEqual(
      expect.objectContaining({ errorType: 'string', errorMessage: 'a bare string' }),
    );
  });

  it('refuses an event that is not JSON, and the environment takes the next one', async () => {
    const functions = host('echo.handler', { maxEnvironments: 1 });
    const { pid } = await echo(functions);
    await expect(functions.invoke({ big: 1n })).rejects.toThrow('serialize a BigInt');
    expect(await echo(functions)).toEqual(expect.objectContaining({ pid, calls: 2 }));
  });

  it('kills an environment whose invocation times out; the next invocation is cold', async () => {
    const functions = host('echo.handler', { timeoutSeconds: 0.5 });
    const warm = await echo(functions);
    const started = Date.now();
    const error = await failure(echo(functions, { waitMs: 5000 }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error.errorType).toBe('Sandbox.Timedout');
    expect(error.message).toContain('Task timed out after 0.50 seconds');
    await until(() => !isAlive(warm.pid));
    const next = await echo(functions);
    expect(next.pid).not.toBe(warm.pid);
    expect(next.calls).toBe(1);
  });

  it('rejects with Runtime.ExitError when the process exits mid-invocation, and discards it', async () => {
    const functions = host('exit.exit');
    const first = await failure(functions.invoke({}));
    expect(first.errorType).toBe('Runtime.ExitError');
    expect(first.errorMessage).toContain('exit status 3');
    // A fresh environment takes the next one (it crashes too).
    expect((await failure(functions.invoke({}))).errorType).toBe('Runtime.ExitError');
  });

  it('treats an uncaught exception as a crash, its stack on stderr', async () => {
    const lines: string[] = [];
    const functions = host('exit.uncaught', {
      onOutput: (line, stream) => stream === 'stderr' && lines.push(line),
    });
    const error = await failure(functions.invoke({}));
    expect(error.errorType).toBe('Runtime.ExitError');
    expect(error.errorMessage).toContain('exit status 1');
    await until(() => lines.some((line) => line.includes('thrown outside the handler')));
  });
});

describe('init errors', () => {
  it('rejects every invocation waiting on a module that throws at import, naming handler and task root', async () => {
    const functions = host('broken.handler', { maxEnvironments: 1 });
    const errors = await Promise.all([1, 2, 3].map(() => failure(functions.invoke({}))));
    for (const error of errors) {
      expect(error.errorType).toBe('Runtime.ImportModuleError');
      expect(error.errorMessage).toContain(`handler broken.handler in ${FIXTURES}`);
      expect(error.errorMessage).toContain('configuration missing at import');
    }
  });

  it('names a missing file and a missing export', async () => {
    const missing = await failure(host('nope.handler').invoke({}));
    expect(missing.errorType).toBe('Runtime.ImportModuleError');
    expect(missing.errorMessage).toBe(
      `handler nope.handler in ${FIXTURES}: no module file (tried nope.js, nope.mjs, nope.cjs)`,
    );
    const noExport = await failure(host('echo.absent').invoke({}));
    expect(noExport.errorType).toBe('Runtime.HandlerNotFound');
    expect(noExport.errorMessage).toContain(
      `handler echo.absent in ${FIXTURES}: echo.mjs exports no function absent`,
    );
  });

  it('rejects when node cannot be started', async () => {
    const error = await failure(host('echo.handler', { nodePath: '/nonexistent/node' }).invoke({}));
    expect(error.errorType).toBe('Runtime.ExitError');
  });
});

describe('the handler string', () => {
  it.each([
    ['echo.nested.deeper.handler', 'nested export'],
    ['plain.handler', 'from .js'],
    ['both.handler', 'both.js'],
    ['nested/common.handler', 'from nested commonjs .js'],
    ['nested/other.handler', 'from nested .cjs'],
  ])('%s resolves as in Lambda', async (handler, expected) => {
    expect(await host(handler).invoke({})).toBe(expected);
  });
});

describe('output', () => {
  it("gives each complete line of the function's stdout and stderr to onOutput, apart from results", async () => {
    const lines: Array<[string, string]> = [];
    const functions = host('print.handler', { onOutput: (line, stream) => lines.push([stream, line]) });
    expect(await functions.invoke({ id: 7 })).toBe('printed');
    await functions.stop();
    expect(lines.filter(([stream]) => stream === 'stdout')).toEqual([
      ['stdout', '{"message":"one","id":7}'],
      ['stdout', 'two, in pieces'],
      ['stdout', 'three'],
    ]);
    expect(lines.filter(([stream]) => stream === 'stderr')).toEqual([['stderr', 'to stderr']]);
  });

  it("lets Powertools log cold_start true on an environment's first invocation only", async () => {
    const lines: string[] = [];
    const functions = host('powertools.handler', { onOutput: (line) => lines.push(line) });
    await functions.invoke({}, { awsRequestId: 'req-1' });
    await functions.invoke({}, { awsRequestId: 'req-2' });
    await functions.stop();
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.map((line) => [line.function_request_id, line.cold_start])).toEqual([
      ['req-1', true],
      ['req-2', false],
    ]);
  });
});

describe('stop', () => {
  it('lets a running invocation finish within the grace, refuses new ones, and leaves no process', async () => {
    const functions = host('echo.handler', { maxEnvironments: 1 });
    const running = echo(functions, { waitMs: 200 });
    const queued = functions.invoke({});
    await new Promise((r) => setTimeout(r, 50));
    const stopped = functions.stop();
    const [result, queuedError] = await Promise.all([running, failure(queued)]);
    await stopped;
    expect(result.calls).toBe(1);
    expect(queuedError.errorType).toBe('Runtime.Stopped');
    expect(isAlive(result.pid)).toBe(false);
    await expect(functions.invoke({})).rejects.toThrow('stopped');
  });

  it('kills an invocation that outlasts the grace', async () => {
    const functions = host('echo.handler', { timeoutSeconds: 30 });
    const { pid } = await echo(functions);
    const long = failure(echo(functions, { waitMs: 20_000 }));
    await functions.stop();
    expect((await long).errorType).toBe('Runtime.Stopped');
    expect(isAlive(pid)).toBe(false);
  });
});

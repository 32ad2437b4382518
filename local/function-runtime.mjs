// Plain JS, one Lambda execution environment, started by local/function-host.ts with an IPC channel.
// Init: resolves the handler string in LAMBDA_TASK_ROOT (cwd) as Lambda's Node.js runtime does and
// imports the module once, then says { type: 'ready' } or { type: 'init-error', error }. Invoke: takes
// { id, event, deadlineMs, awsRequestId } one at a time and answers { id, result } or { id, error }.
// stdout and stderr stay the function's own: nothing of the protocol goes there.
// Usage: node function-runtime.mjs <handler string, e.g. index.handler or dir/file.export>
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const handlerString = process.argv[2] ?? '';
const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();

/** Lambda's error shape, for anything thrown (not only Errors). */
function errorOf(error, errorType) {
  if (error instanceof Error) {
    return { errorType: errorType ?? error.name, errorMessage: error.message, stack: error.stack ?? '' };
  }
  return { errorType: errorType ?? typeof error, errorMessage: String(error), stack: '' };
}

/** `dir/file.a.b` → module `<taskRoot>/dir/file` + .js|.mjs|.cjs, export path `a.b` (as Lambda splits it). */
async function loadHandler() {
  const slash = handlerString.lastIndexOf('/');
  const dot = handlerString.indexOf('.', slash + 1);
  if (dot < 0)
    throw Object.assign(new Error('not of the form file.export'), { type: 'Runtime.MalformedHandlerName' });
  const base = path.resolve(taskRoot, handlerString.slice(0, dot));
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (!file) {
    const tried = ['.js', '.mjs', '.cjs'].map((ext) => path.basename(base) + ext).join(', ');
    throw Object.assign(new Error(`no module file (tried ${tried})`), { type: 'Runtime.ImportModuleError' });
  }
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
      type: 'Runtime.ImportModuleError',
    });
  }
  const handler = handlerString
    .slice(dot + 1)
    .split('.')
    .reduce((value, key) => value?.[key], module);
  if (typeof handler !== 'function') {
    const name = handlerString.slice(dot + 1);
    throw Object.assign(new Error(`${path.basename(file)} exports no function ${name}`), {
      type: 'Runtime.HandlerNotFound',
    });
  }
  return handler;
}

/** The context Lambda's Node.js runtime builds, from the variables it sets. */
function contextOf(awsRequestId, deadlineMs, callback) {
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? '';
  return {
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${functionName}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: (error, result) => callback(error, result),
    fail: (error) => callback(error ?? 'handled'),
    succeed: (result) => callback(null, result),
  };
}

/** An async handler's result, or a callback-style handler's (Lambda's nodejs22.x takes both). */
function call(handler, event, awsRequestId, deadlineMs) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    const returned = handler(event, contextOf(awsRequestId, deadlineMs, callback), callback);
    if (typeof returned?.then === 'function') returned.then(resolve, reject);
    else if (handler.length < 3) resolve(returned);
  });
}

// The host gone (its IPC channel closed) means this environment is too: never outlive it.
process.on('disconnect', () => process.exit(0));

let handler;
try {
  handler = await loadHandler();
} catch (error) {
  const { errorType, errorMessage, stack } = errorOf(error, error?.type);
  process.send({
    type: 'init-error',
    error: { errorType, errorMessage: `handler ${handlerString} in ${taskRoot}: ${errorMessage}`, stack },
  });
  // Stay until the host kills this environment, so the message is sure to leave.
  await new Promise(() => undefined);
}

process.on('message', async ({ id, event, deadlineMs, awsRequestId }) => {
  try {
    const result = await call(handler, event, awsRequestId, deadlineMs);
    // The channel speaks JSON, so the result comes out as from Lambda's runtime: undefined → null.
    process.send({ id, result: result ?? null });
  } catch (error) {
    process.send({ id, error: errorOf(error) });
  }
});
process.send({ type: 'ready' });

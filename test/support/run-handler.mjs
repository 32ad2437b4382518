// Plain JS, run by node outside jest: loads one Lambda handler module as the Node.js runtime does (an ES
// module import, once), and calls it with each event of the JSON array on stdin, in order. Prints one
// `RESULT <json>` line an invocation; anything else on stdout is the function's own output (its logs).
// Usage: node [--import tsx] run-handler.mjs <module file> <export name>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [file, exportName] = process.argv.slice(2);
const events = JSON.parse(readFileSync(0, 'utf8'));
const module = await import(pathToFileURL(file).href);
const handler = module[exportName];
if (typeof handler !== 'function') throw new Error(`${file} exports no function ${exportName}`);
const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'bundle-run';
let invocation = 0;
for (const event of events) {
  invocation += 1;
  const deadline = Date.now() + 10_000;
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: `req-${invocation}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bundle-run',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  const result = await handler(event, context);
  process.stdout.write(`RESULT ${JSON.stringify(result ?? null)}\n`);
}

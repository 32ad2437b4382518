// Plain JS, preloaded (`node --import`) into a function's execution environment by local/function-host.ts
// when the stack records AWS requests: a bundled function carries its own AWS SDK, which the in-process
// recorder (aws-request-recorder.ts) cannot reach, so its requests are seen where they leave the process.
// Every https/http request with an `X-Amz-Target` header (the JSON protocols of DynamoDB, SQS and Secrets
// Manager) is reported over the IPC channel as { type: 'aws-request', target, input, status, errorType,
// durationMs }; the host turns it into an AwsRequestRecord. Nothing is written to stdout or a file.
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';

function report(message) {
  if (typeof process.send === 'function' && process.connected) process.send(message);
}

function watch(request) {
  const started = performance.now();
  const chunks = [];
  const keep = (chunk, encoding) => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    chunks.push(
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8')
        : Buffer.from(chunk),
    );
  };
  const write = request.write;
  request.write = function (chunk, encoding, callback) {
    keep(chunk, encoding);
    return write.call(this, chunk, encoding, callback);
  };
  const end = request.end;
  request.end = function (chunk, encoding, callback) {
    keep(chunk, encoding);
    return end.call(this, chunk, encoding, callback);
  };
  request.once('response', (response) => {
    const target = String(request.getHeader('x-amz-target') ?? '');
    let input = {};
    try {
      input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      // Not JSON: reported with no input.
    }
    const errorType = response.headers['x-amzn-errortype'];
    report({
      type: 'aws-request',
      target,
      input,
      status: response.statusCode,
      ...(errorType ? { errorType: String(errorType).split(':')[0] } : {}),
      durationMs: performance.now() - started,
    });
  });
}

for (const module of [http, https]) {
  const original = module.request;
  module.request = function request(...args) {
    const req = original.apply(this, args);
    if (req.getHeader('x-amz-target')) watch(req);
    return req;
  };
}
syncBuiltinESMExports();

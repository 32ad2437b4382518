import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type App, Stack } from 'aws-cdk-lib';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { handlerModule } from '../../local/functions/manifest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import type { TableNames } from '../../local/services/tables';
import { EVERY_OPTION, type SynthesizedApp, synthApp } from '../infra/synth-app';
import { anHttpApiEvent } from '../kit/http-api';
import { createTestTables } from '../support/local-aws';
import { resolveVariables, type TemplateFunction, templateFunction } from '../support/template-env';

/**
 * The register function as deployed: the bundle the CDK builds (synthesis with bundling, so the very
 * esbuild options of infra/constructs/voip-function.ts), loaded by the template's handler string in a
 * plain node process with the template's environment, its table references resolved to DynamoDB Local.
 * Only what Lambda's runtime adds is added (region, credentials), and the SDK's own endpoint variable
 * points DynamoDB at DynamoDB Local: no DYNAMODB_ENDPOINT. The same calls through the TypeScript
 * source must give the same answers.
 */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '../..');
const RUNNER = path.join(PROJECT_ROOT, 'test/support/run-handler.mjs');

interface Run {
  readonly results: Array<{ statusCode: number; body?: string }>;
  readonly stdout: string;
}

/** Runs `events` through `file`'s export `exportName` in a fresh node process (one warm execution environment). */
function runHandler(
  file: string,
  exportName: string,
  env: Record<string, string>,
  events: readonly unknown[],
  nodeArgs: readonly string[] = [],
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, RUNNER, file, exportName], {
      cwd: path.dirname(file),
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${path.basename(file)} exited ${code}: ${stderr}`));
      const results = stdout
        .split('\n')
        .filter((line) => line.startsWith('RESULT '))
        .map((line) => JSON.parse(line.slice('RESULT '.length)));
      resolve({ results, stdout });
    });
    child.stdin.end(JSON.stringify(events));
  });
}

let app: SynthesizedApp;
let register: TemplateFunction;
beforeAll(() => {
  app = synthApp(EVERY_OPTION, { bundle: true });
  register = templateFunction(app, 'register', true);
}, 120_000);
afterAll(() => {
  const outdir = (app?.stateless.node.root as App | undefined)?.outdir;
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** The template's environment with the table references resolved to `tables`, plus what Lambda's runtime sets. */
function deployedEnv(tables: TableNames): Record<string, string> {
  const { devices, deliveries } = app.stateful.tables;
  const logicalId = (table: typeof devices) =>
    Stack.of(table).getLogicalId(table.node.defaultChild as CfnTable);
  const local: Record<string, string> = {
    [logicalId(devices)]: tables.devices,
    [logicalId(deliveries)]: tables.deliveries,
  };
  const variables = resolveVariables(register.variables, app.statefulTemplate, (resource) => {
    const value = local[resource.logicalId];
    if (!value) throw new Error(`register refers to ${resource.type} ${resource.logicalId}: no local value`);
    return value;
  });
  return {
    PATH: process.env.PATH ?? '',
    TZ: ':UTC',
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_LAMBDA_FUNCTION_NAME: 'voip-push-register',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_ENDPOINT_URL_DYNAMODB: process.env.TEST_DYNAMODB_ENDPOINT ?? '',
    ...variables,
  };
}

const user = 'bundle-user';
const device = (deviceId: string, bundleId: string) =>
  anHttpApiEvent({
    method: 'PUT',
    path: `/v1/devices/${deviceId}`,
    routeKey: 'PUT /v1/devices/{deviceId}',
    pathParameters: { deviceId },
    sub: user,
    body: { bundleId, environment: 'sandbox', voipToken: 'ab'.repeat(32) },
  });
const list = anHttpApiEvent({ method: 'GET', path: '/v1/devices', routeKey: 'GET /v1/devices', sub: user });
const EVENTS = [
  device('phone-1', 'com.example.voip'),
  list,
  // KNOWN_APPS, from the template: an app without a credential in this deployment is refused.
  device('phone-2', 'com.example.unknown'),
  anHttpApiEvent({
    method: 'DELETE',
    path: '/v1/devices/phone-1',
    routeKey: 'DELETE /v1/devices/{deviceId}',
    pathParameters: { deviceId: 'phone-1' },
    sub: user,
  }),
  list,
];

/** The answers with what differs from run to run (times) masked. */
function comparable(run: Run) {
  return run.results.map((result) => ({
    ...result,
    body: result.body?.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>'),
  }));
}

describe('the register function run from its CDK bundle', () => {
  let bundled: Run;
  beforeAll(async () => {
    const { file, exportName } = handlerModule({
      taskRoot: register.assetDir as string,
      handler: register.handler,
    });
    bundled = await runHandler(file, exportName, deployedEnv(await createTestTables()), EVENTS);
  }, 60_000);

  it('registers, lists, refuses an unknown app and removes a device through DynamoDB Local', () => {
    expect(bundled.results.map((r) => r.statusCode)).toEqual([200, 200, 400, 204, 200]);
    expect(JSON.parse(bundled.results[1]?.body ?? '{}').devices).toEqual([
      expect.objectContaining({ deviceId: 'phone-1', bundleId: 'com.example.voip' }),
    ]);
    expect(bundled.results[2]?.body).toContain('bundleId');
    expect(JSON.parse(bundled.results[4]?.body ?? '{}').devices).toEqual([]);
  });

  it('logs JSON lines as its service, cold only on the first call, with no token', () => {
    const lines = bundled.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.message, line.cold_start])).toEqual([
      ['device registered', true],
      ['device removed', false],
    ]);
    expect(lines.map((line) => JSON.stringify(line)).join('\n')).not.toContain('ab'.repeat(32));
    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({ service: 'voip-push-register', function_name: 'voip-push-register' }),
      );
    }
  });

  it('answers as the TypeScript source does, given the same environment', async () => {
    const source = await runHandler(
      path.join(PROJECT_ROOT, 'functions/register/handler.ts'),
      'handler',
      deployedEnv(await createTestTables()),
      EVENTS,
      ['--import', 'tsx'],
    );
    expect(comparable(bundled)).toEqual(comparable(source));
  }, 60_000);
});

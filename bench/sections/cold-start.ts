import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build, type Metafile } from 'esbuild';
import { devCaPem, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import { createTables } from '../../local/services/tables';
import { documentClientOf } from '../../shared/adapters/dynamodb/clients';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { EnvName } from '../../shared/platform/env-names';
import { REPO_ROOT, runChild } from '../lib/child';
import type { SectionReport } from '../lib/report';
import { startSimulatorProcess } from '../lib/simulator-process';
import { median, round } from '../lib/stats';
import { check } from '../lib/targets';

/** What bench/sender/cold-start-probe.mjs prints. */
interface ColdStartResult {
  readonly loadMs: number;
  readonly firstPushMs: number;
  readonly warmPushMs: number;
  readonly failures: number;
}

/** Tables of their own with one registered device for the probes. */
async function seed(endpoint: string): Promise<{ devices: string; deliveries: string; userId: string }> {
  const suffix = randomUUID().slice(0, 8);
  const tables = { devices: `bench-cold-devices-${suffix}`, deliveries: `bench-cold-deliveries-${suffix}` };
  const dynamo = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await createTables(dynamo, tables);
    await new DynamoDeviceRepository({
      client: documentClientOf(dynamo),
      tableName: tables.devices,
    }).register({
      userId: 'cold-user',
      deviceId: 'phone-1',
      bundleId: 'com.example.voip',
      environment: 'sandbox',
      voipToken: randomBytes(32).toString('hex'),
      now: new Date(),
    });
  } finally {
    dynamo.destroy();
  }
  return { ...tables, userId: 'cold-user' };
}

import { services } from './services';

/** The banner infra/constructs/voip-function.ts adds (ESM bundles have no `require`). */
const REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** esbuild with the options NodejsFunction gets from VoipFunction (ESM, node22, minify, source maps, SDK bundled). */
async function bundle(
  name: string,
  outdir: string,
  external: string[] = [],
): Promise<{ file: string; bytes: number; mapBytes: number; largest: string[] }> {
  const file = join(outdir, name, 'index.mjs');
  const result = await build({
    metafile: true,
    external,
    entryPoints: [resolve(REPO_ROOT, 'functions', name, 'handler.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    minify: true,
    sourcemap: true,
    logLevel: 'silent',
  });
  return {
    file,
    bytes: statSync(file).size,
    mapBytes: statSync(`${file}.map`).size,
    largest: largestInputs(result.metafile),
  };
}

/** The packages (or project folders) that take the most bytes of the bundle. */
function largestInputs(metafile: Metafile): string[] {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint !== undefined);
  const byPackage = new Map<string, number>();
  for (const [path, info] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = match ? (match[1] as string) : path.split('/').slice(0, 2).join('/');
    byPackage.set(key, (byPackage.get(key) ?? 0) + info.bytesInOutput);
  }
  return [...byPackage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([key, bytes]) => `${key} ${Math.round(bytes / 1024)} KB`);
}

export async function coldStartSection(quick: boolean): Promise<SectionReport> {
  // Under bench/results (git-ignored) so that the SDK-external variant resolves the repository's node_modules.
  mkdirSync(resolve(REPO_ROOT, 'bench', 'results'), { recursive: true });
  const outdir = await mkdtemp(join(REPO_ROOT, 'bench', 'results', 'bundles-'));
  const { dynamo } = await services();
  const simulator = await startSimulatorProcess({ latencyMs: 0 });
  try {
    const names = readdirSync(resolve(REPO_ROOT, 'functions')).filter((n) =>
      statSync(resolve(REPO_ROOT, 'functions', n, 'handler.ts'), { throwIfNoEntry: false })?.isFile(),
    );
    const bundles = await Promise.all(names.map(async (name) => ({ name, ...(await bundle(name, outdir)) })));
    const sender = bundles.find((b) => b.name === 'sender');
    if (sender === undefined) throw new Error('no sender bundle');
    const credentialsFile = join(outdir, 'credential.json');
    writeFileSync(credentialsFile, JSON.stringify(devTokenCredential()), { mode: 0o600 });
    const caFile = join(outdir, 'ca.pem');
    writeFileSync(caFile, devCaPem());
    const noSdk = await bundle('sender', join(outdir, 'sdk-external'), ['@aws-sdk/*', '@smithy/*']);
    const seeded = await seed(dynamo.endpoint);
    const env = {
      [EnvName.devicesTable]: seeded.devices,
      [EnvName.deliveriesTable]: seeded.deliveries,
      [EnvName.apnsCredentialsFile]: credentialsFile,
      [EnvName.apnsEndpoint]: simulator.url,
      [EnvName.apnsCaFile]: caFile,
      [EnvName.dynamodbEndpoint]: dynamo.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_SERVICE_NAME: 'sender',
      POWERTOOLS_METRICS_NAMESPACE: 'VoipPushBench',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    };
    const probe = (file: string, nodeArgs: string[]) =>
      runChild<ColdStartResult>(
        'bench/sender/cold-start-probe.mjs',
        [JSON.stringify({ bundle: file, userId: seeded.userId })],
        { timeoutMs: 60_000, nodeArgs, plain: true, env },
      );
    const runs: ColdStartResult[] = [];
    const noMaps: ColdStartResult[] = [];
    const external: ColdStartResult[] = [];
    const count = quick ? 3 : 7;
    // Interleaved: as deployed (--enable-source-maps), without source maps, and with the SDK left out.
    for (let i = 0; i < count; i++) {
      runs.push(await probe(sender.file, ['--enable-source-maps']));
      noMaps.push(await probe(sender.file, []));
      external.push(await probe(noSdk.file, ['--enable-source-maps']));
    }
    const loadMs = median(runs.map((r) => r.loadMs));
    const firstPushMs = median(runs.map((r) => r.firstPushMs));
    const warmPushMs = median(runs.map((r) => r.warmPushMs));
    const kb = (bytes: number): number => round(bytes / 1024);
    return {
      id: 'cold-start',
      title: '4. Cold start: bundles as the CDK builds them, load and first push in a fresh node process',
      columns: ['measure', 'value'],
      rows: [
        ...bundles.map((b) => [`${b.name} bundle (minified ESM), KB`, kb(b.bytes)] as [string, number]),
        ...bundles.map((b) => [`${b.name} source map, KB`, kb(b.mapBytes)] as [string, number]),
        [
          `sender: import the bundle and build its clients (module scope), ms, median of ${count}`,
          round(loadMs),
        ],
        [
          'sender: first invocation → first push accepted (lookup, lease, TLS handshake, push), ms',
          round(firstPushMs),
        ],
        ['sender: second invocation (warm), ms', round(warmPushMs)],
        [
          'experiment: sender load without --enable-source-maps, ms',
          round(median(noMaps.map((r) => r.loadMs))),
        ],
        ['experiment: sender bundle with @aws-sdk/* and @smithy/* external, KB', kb(noSdk.bytes)],
        [
          'experiment: that bundle’s load (SDK read from node_modules, as from the Lambda runtime), ms',
          round(median(external.map((r) => r.loadMs))),
        ],
      ],
      notes: [
        'esbuild options copied from infra/constructs/voip-function.ts: format esm, target node22, platform node, mainFields module/main, the createRequire banner, minify, sourcemap, AWS SDK bundled. The probe runs with --enable-source-maps as NODE_OPTIONS does in Lambda.',
        'The probe is a fresh plain `node` (no tsx) that imports the bundle with the sender environment set (DynamoDB Local, the simulator, the credential from a file), then invokes the handler twice with a 1-recipient event; the device was registered beforehand by the parent.',
        `Largest parts of the sender bundle: ${sender.largest.join(', ')}.`,
        `Per-run load ms: ${runs.map((r) => round(r.loadMs)).join(', ')}; first push ms: ${runs.map((r) => round(r.firstPushMs)).join(', ')}.`,
      ],
      targets: [
        check(
          'cold start',
          'sender bundle ≤ 400 KB minified',
          `${kb(sender.bytes)} KB`,
          sender.bytes <= 400 * 1024,
        ),
        check('cold start', 'sender load ≤ 60 ms', `${round(loadMs)} ms`, loadMs <= 60),
        check('cold start', 'first push ≤ 150 ms', `${round(firstPushMs)} ms`, firstPushMs <= 150),
      ],
      charts: [
        {
          title: 'bundle size, KB',
          unit: 'KB',
          bars: bundles.map((b) => ({ label: b.name, value: kb(b.bytes) })),
        },
      ],
      data: {
        bundles: bundles.map(({ name, bytes, mapBytes, largest }) => ({ name, bytes, mapBytes, largest })),
        runs,
        noMaps,
        external,
        sdkExternalBytes: noSdk.bytes,
      },
    };
  } finally {
    await simulator.stop();
    await rm(outdir, { recursive: true, force: true });
  }
}

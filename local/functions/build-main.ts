/**
 * Synthesizes the CDK app with bundling (the very esbuild run of `cdk synth`) into `<outDir>/cdk.out`
 * and writes `<outDir>/functions.json` (manifest.ts). Run in a process of its own by build.ts:
 *   node --import tsx local/functions/build-main.ts <outDir> <key> <context JSON>
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/build-app';
import type { VoipFunction } from '../../infra/constructs/voip-function';
import { ServiceName } from '../../shared/platform/metric-names';
import type {
  DeployedFunction,
  FunctionName,
  FunctionsManifest,
  LocalResource,
  SecretOfApp,
  TemplateValue,
} from './manifest';
import { type StatefulTemplateJson, templateParts } from './template-refs';

const CONSTRUCT_ID: Record<FunctionName, string> = {
  register: 'Register',
  receipts: 'Receipts',
  sender: 'Sender',
};

const [outDir, key, contextJson] = process.argv.slice(2) as [string, string, string];
const assembly = path.join(outDir, 'cdk.out');
const app = new App({ outdir: assembly, context: JSON.parse(contextJson) as Record<string, unknown> });
const { stateful, stateless } = buildApp(app);
const cloudAssembly = app.synth();

const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnTable | CfnQueue);
const resources = new Map<string, LocalResource>([
  [logicalId(stateful.tables.devices), { kind: 'table', table: 'devices' }],
  [logicalId(stateful.tables.deliveries), { kind: 'table', table: 'deliveries' }],
  [logicalId(stateful.callQueue.queue), { kind: 'queue', queue: 'calls' }],
  [logicalId(stateful.callQueue.deadLetterQueue), { kind: 'queue', queue: 'deadLetters' }],
]);
const secrets: SecretOfApp[] = [];
for (const [platform, group] of [
  ['ios', stateful.apnsSecrets],
  ['android', stateful.fcmSecrets],
] as const) {
  // One CfnSecret per app, its construct id the app's bundle id (infra/constructs/credential-secrets.ts).
  for (const child of group.node.children) {
    const secret = child as CfnSecret;
    if (!secret.name) continue;
    resources.set(stateful.getLogicalId(secret), { kind: 'secret', name: secret.name });
    secrets.push({ name: secret.name, platform, bundleId: child.node.id });
  }
}

type Json = unknown;
const statefulTemplate = cloudAssembly.getStackByName(stateful.stackName).template as StatefulTemplateJson;
const statelessTemplate = cloudAssembly.getStackByName(stateless.stackName).template as {
  Resources: Record<string, { Properties: Record<string, Json> }>;
};

/** A template value as literal parts and references to the resources the local stack stands in for. */
function parts(value: Json): TemplateValue {
  return templateParts(value, statefulTemplate, ({ logicalId }) => {
    const resource = resources.get(logicalId);
    if (!resource) throw new Error(`no local counterpart for ${JSON.stringify(value)}`);
    return { ref: resource };
  });
}

function deployed(name: FunctionName): DeployedFunction {
  const construct = stateless.node.findChild(CONSTRUCT_ID[name]) as VoipFunction;
  const cfn = construct.function.node.defaultChild as CfnFunction;
  const props = statelessTemplate.Resources[stateless.getLogicalId(cfn)]?.Properties as {
    Handler: string;
    Timeout: number;
    MemorySize: number;
    Code: { S3Key: string };
    Environment?: { Variables?: Record<string, Json> };
  };
  const variables = Object.fromEntries(
    Object.entries(props.Environment?.Variables ?? {}).map(([k, v]) => [k, parts(v)]),
  );
  return {
    functionName: ServiceName[name],
    taskRoot: path.join('cdk.out', `asset.${props.Code.S3Key.replace(/\.zip$/, '')}`),
    handler: props.Handler,
    timeoutSeconds: props.Timeout,
    memoryMB: props.MemorySize,
    variables,
  };
}

const manifest: FunctionsManifest = {
  key,
  secrets,
  functions: { register: deployed('register'), receipts: deployed('receipts'), sender: deployed('sender') },
};
writeFileSync(path.join(outDir, 'functions.json'), `${JSON.stringify(manifest, null, 2)}\n`);

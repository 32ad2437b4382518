/**
 * Where the smoke check runs: a deployed stage, from its CloudFormation outputs, or the local stack,
 * from `.local/stack.json`. Each target says where to register, where to queue the call, and where to
 * read the sender's `push attempt` log lines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  type Output,
} from '@aws-sdk/client-cloudformation';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { DEV_ANDROID_PACKAGE } from '../local/fcm-simulator/dev-credentials';
import { LOCAL_CREDENTIALS } from '../local/services/dynamodb-local';
import type { LocalStackInfo } from '../local/stack';
import type { SmokePlatform } from './smoke-args';

/** The bundle of the local stack's dev APNs credential. */
export const LOCAL_BUNDLE_ID = 'com.example.voip';

export interface SmokeTarget {
  readonly description: string;
  /** The registration API: SmokeApiUrl with test-issuer tokens, ApiUrl with the identity provider's. */
  readonly apiUrl: string;
  readonly queueUrl: string;
  readonly sqs: SQSClientConfig;
  /** The apps of the stage's credentials: bundle ids (iOS) and package names (Android). */
  readonly bundleIds: Readonly<Record<SmokePlatform, readonly string[]>>;
  /** Deployed with a test issuer (`-c testIssuerPublicKey=...`). */
  readonly issuer?: { readonly url: string; readonly audience: string };
  /** Where the sender's `push attempt` lines are read. */
  readonly attempts:
    | { readonly kind: 'cloudwatch'; readonly logGroupName: string; readonly region?: string }
    | { readonly kind: 'console'; readonly consoleUrl: string }
    | { readonly kind: 'none'; readonly why: string };
}

export class SmokeTargetError extends Error {}

function outputsOf(outputs: readonly Output[] | undefined): Map<string, Output> {
  return new Map((outputs ?? []).map((output) => [output.OutputKey ?? '', output]));
}

async function stackOutputs(cfn: CloudFormationClient, stackName: string): Promise<Map<string, Output>> {
  try {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    return outputsOf(Stacks?.[0]?.Outputs);
  } catch (error) {
    throw new SmokeTargetError(`cannot describe stack ${stackName}: ${(error as Error).message}`);
  }
}

function required(outputs: Map<string, Output>, key: string, stackName: string): string {
  const value = outputs.get(key)?.OutputValue;
  if (!value) throw new SmokeTargetError(`stack ${stackName} has no output ${key}`);
  return value;
}

/** The stage's apps of one platform, from the descriptions of its `ApnsSecretArn*` / `FcmSecretArn*` outputs. */
function bundleIdsOf(outputs: Map<string, Output>, prefix: 'Apns' | 'Fcm', label: string): string[] {
  const found: string[] = [];
  for (const [key, output] of outputs) {
    const match = new RegExp(`^${label} credential secret of (\\S+)`).exec(output.Description ?? '');
    if (key.startsWith(`${prefix}SecretArn`) && match) found.push(match[1] as string);
  }
  return found;
}

/**
 * A deployed stage `VoipPush-<stage>-Stateful` / `-Stateless`. `useTestIssuer`: register through the
 * smoke API (an error when the stage was deployed without a test issuer), else through ApiUrl.
 */
export async function deployedTarget(
  cfn: CloudFormationClient,
  stage: string,
  useTestIssuer: boolean,
  region?: string,
): Promise<SmokeTarget> {
  const stateful = `VoipPush-${stage}-Stateful`;
  const stateless = `VoipPush-${stage}-Stateless`;
  const [data, app] = await Promise.all([stackOutputs(cfn, stateful), stackOutputs(cfn, stateless)]);
  let issuer: SmokeTarget['issuer'];
  let apiUrl = required(app, 'ApiUrl', stateless);
  if (useTestIssuer) {
    if (!app.has('SmokeApiUrl'))
      throw new SmokeTargetError(
        `stage ${stage} has no test issuer: deploy it with -c testIssuerPublicKey=... or use --bearer-file`,
      );
    apiUrl = required(app, 'SmokeApiUrl', stateless);
    issuer = {
      url: required(app, 'TestIssuerUrl', stateless),
      audience: required(app, 'TestIssuerAudience', stateless),
    };
  }
  const { StackResources } = await cfn.send(new DescribeStackResourcesCommand({ StackName: stateless }));
  // The sender's own log group (infra/constructs/voip-function.ts): logical id `SenderLogs<hash>`.
  const logGroupName = StackResources?.find(
    (resource) =>
      resource.ResourceType === 'AWS::Logs::LogGroup' && resource.LogicalResourceId?.startsWith('SenderLogs'),
  )?.PhysicalResourceId;
  return {
    description: `stage ${stage}`,
    apiUrl: apiUrl.replace(/\/+$/, ''),
    queueUrl: required(data, 'CallQueueUrl', stateful),
    sqs: region ? { region } : {},
    bundleIds: { ios: bundleIdsOf(data, 'Apns', 'APNs'), android: bundleIdsOf(data, 'Fcm', 'FCM') },
    ...(issuer ? { issuer } : {}),
    attempts: logGroupName
      ? { kind: 'cloudwatch', logGroupName, ...(region ? { region } : {}) }
      : { kind: 'none', why: `stack ${stateless} has no sender log group` },
  };
}

/** The local stack whose `stack.json` is in `localDir`. */
export function localTarget(localDir: string): SmokeTarget {
  const file = join(localDir, 'stack.json');
  let info: LocalStackInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as LocalStackInfo;
  } catch {
    throw new SmokeTargetError(`cannot read ${file}: start the local stack first with \`npm start\``);
  }
  return {
    description: `the local stack (${file})`,
    apiUrl: info.apiUrl,
    queueUrl: info.queueUrl,
    sqs: { endpoint: info.sqsEndpoint, region: info.region, credentials: LOCAL_CREDENTIALS },
    bundleIds: { ios: [LOCAL_BUNDLE_ID], android: [DEV_ANDROID_PACKAGE] },
    attempts: info.consoleUrl
      ? { kind: 'console', consoleUrl: info.consoleUrl }
      : { kind: 'none', why: 'the local stack runs without its console: watch the npm start log' },
  };
}

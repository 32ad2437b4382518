/**
 * `npm run smoke -- (--stage <stage> | --local) [options]` (docs/deploy.md, smoke check): registers a
 * device (an iPhone, an Android device or one of each), queues a call to it, reports the push's outcome
 * and latency from the sender's log, removes the device. Exit 0 when it passed, 1 when it did not, 2 on
 * bad arguments.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { decodeJwt } from 'jose';
import { mintDevToken } from '../local/jwt';
import { LOCAL_DIR } from '../local/stack';
import { loadTestIssuerKey, mintTestIssuerToken } from '../local/test-issuer-token';
import { parseSmokeArgs, SMOKE_USAGE, type SmokeArgs, type SmokePlatform } from './smoke-args';
import { attemptReader } from './smoke-attempts';
import { runSmokeCheck, type SmokeDevice } from './smoke-check';
import { deployedTarget, localTarget, type SmokeTarget } from './smoke-target';

const SMOKE_TOKEN_TTL_SECONDS = 600;

async function targetOf(args: SmokeArgs): Promise<SmokeTarget> {
  if (args.where.kind === 'local') return localTarget(LOCAL_DIR);
  const { region } = args.where;
  const cfn = new CloudFormationClient(region ? { region } : {});
  try {
    return await deployedTarget(cfn, args.where.stage, args.auth.kind === 'test-issuer', region);
  } finally {
    cfn.destroy();
  }
}

/** The bearer token and the user it names. */
async function credentialsOf(
  args: SmokeArgs,
  target: SmokeTarget,
): Promise<{ token: string; userId: string }> {
  const { auth } = args;
  if (auth.kind === 'bearer-file') {
    const token = readFileSync(auth.file, 'utf8').trim();
    const sub = decodeJwt(token).sub;
    if (!sub) throw new Error(`the token in ${auth.file} has no sub claim`);
    return { token, userId: sub };
  }
  const userId = auth.userId ?? `smoke-${randomUUID().slice(0, 8)}`;
  if (auth.kind === 'local-key') return { token: await mintDevToken(userId), userId };
  const issuer = target.issuer;
  if (!issuer) throw new Error('the stage has no test issuer');
  const key = await loadTestIssuerKey(auth.keyFile);
  const token = await mintTestIssuerToken(userId, {
    issuer: issuer.url,
    audience: issuer.audience,
    key,
    ttlSeconds: SMOKE_TOKEN_TTL_SECONDS,
  });
  return { token, userId };
}

function bundleIdOf(args: SmokeArgs, target: SmokeTarget, platform: SmokePlatform): string {
  if (args.bundleId) return args.bundleId;
  const apps = target.bundleIds[platform];
  if (apps.length === 1) return apps[0] as string;
  const kind = platform === 'ios' ? 'iOS apps' : 'Android apps';
  throw new Error(`give --bundle-id: ${target.description} has ${kind} ${apps.join(', ') || '(none)'}`);
}

function deviceOf(args: SmokeArgs, target: SmokeTarget, platform: SmokePlatform): SmokeDevice {
  const bundleId = bundleIdOf(args, target, platform);
  return platform === 'ios'
    ? {
        platform,
        bundleId,
        environment: args.environment,
        ...(args.voipToken ? { voipToken: args.voipToken } : {}),
      }
    : { platform, bundleId, ...(args.fcmToken ? { fcmToken: args.fcmToken } : {}) };
}

async function main(): Promise<number> {
  const args = parseSmokeArgs(process.argv.slice(2));
  if (!args.ok) {
    process.stderr.write(`${args.message}\n${SMOKE_USAGE}\n`);
    return 2;
  }
  const target = await targetOf(args);
  const [first, ...rest] = args.platforms.map((platform) => deviceOf(args, target, platform));
  if (!first) throw new Error('no platform to ring');
  const { token, userId } = await credentialsOf(args, target);
  const reader = attemptReader(target.attempts);
  try {
    const result = await runSmokeCheck(target, reader, {
      userId,
      bearerToken: token,
      devices: [first, ...rest],
      timeoutSeconds: args.timeoutSeconds,
      say: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`${result.ok ? 'SMOKE PASSED' : 'SMOKE FAILED'} ${result.callId}\n`);
    return result.ok ? 0 : 1;
  } finally {
    reader?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`smoke check failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

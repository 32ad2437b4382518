/**
 * The single place where the Lambda functions and the push path (APNs simulator, SQS poller, sender)
 * join the local stack. By default each function runs as deployed: the bundle `cdk synth` builds, in
 * an execution environment of its own (function-host.ts) with the template's environment resolved to
 * the local services (functions/deployed-env.ts). In source mode (`VOIP_FUNCTIONS=source`) each is
 * built in-process by its own config loader and composition root (`functions/<name>/config.ts` and
 * `wiring.ts`). Everything else in `stack.ts` is services and lifecycle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadReceiptsConfig } from '../functions/receipts/config';
import { createReceiptsHandler } from '../functions/receipts/create-handler';
import { buildReceiptsDeps } from '../functions/receipts/wiring';
import { loadRegisterConfig } from '../functions/register/config';
import { createRegisterHandler } from '../functions/register/create-handler';
import { buildRegisterDeps } from '../functions/register/wiring';
import { loadSenderConfig } from '../functions/sender/config';
import { createSenderHandler } from '../functions/sender/create-handler';
import { buildSenderDeps } from '../functions/sender/wiring';
import { createLogger, loggerSink } from '../shared/adapters/powertools-log';
import { EnvName, LocalEnvName } from '../shared/platform/env-names';
import { ServiceName } from '../shared/platform/metric-names';
import { routeTable } from './api-routes';
import type { ApiRoutes, HttpLambdaHandler } from './api-server';
import { devKeyPaths, devTokenCredential } from './apns-simulator/dev-credentials';
import { startApnsSimulator } from './apns-simulator/simulator';
import { devFcmCredential, devFcmKeyPaths } from './fcm-simulator/dev-credentials';
import { startFcmSimulator } from './fcm-simulator/simulator';
import { deployedSender } from './functions/hosted';
import { knownAppsOfCredentialFiles } from './known-apps-local';
import { startPoller } from './poller';
import { LOCAL_CREDENTIALS } from './services/dynamodb-local';

import type { FunctionEnv, SenderRun, StackWiring } from './stack-types';

export type { AwsRequestListener, FunctionEnv, StackWiring } from './stack-types';

export interface PushPath {
  /** Where the sender sends: the simulator's URL, or APNS_ENDPOINT. */
  readonly apnsEndpoint?: string;
  /** The simulator's control API (`GET /pushes`, faults); absent when APNS_ENDPOINT is set. */
  readonly apnsControlUrl?: string;
  /** Where Android pushes go: the FCM simulator's URL, or FCM_ENDPOINT. */
  readonly fcmEndpoint?: string;
  /** The FCM simulator's control API (`GET /messages`, faults); absent when FCM_ENDPOINT is set. */
  readonly fcmControlUrl?: string;
  /** Source mode: KNOWN_APPS for the register function, the apps of the credentials the sender loads. */
  readonly knownApps?: string;
  stop(): Promise<void>;
}

const APPLE_HOSTS: Readonly<Record<string, string>> = {
  sandbox: 'https://api.sandbox.push.apple.com',
  production: 'https://api.push.apple.com',
};

/** APNS_ENDPOINT as a URL (`sandbox` / `production` name Apple's hosts); undefined when unset. */
export function apnsEndpointOverride(env: FunctionEnv): string | undefined {
  const raw = env[EnvName.apnsEndpoint]?.trim();
  if (!raw) return undefined;
  const named = APPLE_HOSTS[raw.toLowerCase()];
  if (named) return named;
  try {
    return new URL(raw).toString().replace(/\/$/, '');
  } catch {
    throw new Error(`${EnvName.apnsEndpoint} must be a URL, "sandbox" or "production", got "${raw}"`);
  }
}

/** FCM_ENDPOINT as a URL (`production` names Google's host); undefined when unset. */
export function fcmEndpointOverride(env: FunctionEnv): string | undefined {
  const raw = env[EnvName.fcmEndpoint]?.trim();
  if (!raw) return undefined;
  if (raw.toLowerCase() === 'production') return 'https://fcm.googleapis.com';
  try {
    return new URL(raw).toString().replace(/\/$/, '');
  } catch {
    throw new Error(`${EnvName.fcmEndpoint} must be a URL or "production", got "${raw}"`);
  }
}

/** What the API's functions need from the stack. */
export type ApiWiring = Pick<StackWiring, 'dynamodbEndpoint' | 'dynamoClient' | 'tableNames' | 'env'>;

function functionLogger(serviceName: string, env: FunctionEnv): Logger {
  // Powertools reads POWERTOOLS_LOG_LEVEL itself; passing it keeps an injected env (tests) in charge.
  return createLogger(serviceName, env[LocalEnvName.logLevel] ?? 'INFO');
}

/**
 * Route key → handler: the routes of the CDK app's HTTP API, each function built by its own config
 * loader and composition root (so MAX_DEVICES_PER_USER / DEVICE_TTL_DAYS work locally too).
 */
export async function apiRoutes(wiring: ApiWiring): Promise<ApiRoutes> {
  const env = {
    ...wiring.env,
    [EnvName.devicesTable]: wiring.tableNames.devices,
    [EnvName.deliveriesTable]: wiring.tableNames.deliveries,
    [EnvName.dynamodbEndpoint]: wiring.dynamodbEndpoint,
  };
  const register = createRegisterHandler(
    buildRegisterDeps(loadRegisterConfig(env), {
      logger: functionLogger(ServiceName.register, wiring.env),
      dynamoClient: wiring.dynamoClient,
    }),
  ) as HttpLambdaHandler;
  const receipts = createReceiptsHandler(
    buildReceiptsDeps(loadReceiptsConfig(env), {
      logger: functionLogger(ServiceName.receipts, wiring.env),
      dynamoClient: wiring.dynamoClient,
    }),
  ) as HttpLambdaHandler;
  return routeTable(register, receipts);
}

/** Where each platform's pushes go: a bundled simulator (with its dev CA) or the developer's endpoint. */
interface ProviderTarget {
  /** The simulator's URL; undefined when the developer named an endpoint. */
  readonly simulatorUrl: string | undefined;
  /** Writes the dev credential file for the simulator; called only when no credential file is given. */
  readonly devCredentialsFile: () => string;
}

/** One platform's endpoint, CA and credential file, as the developer set them or for the simulator. */
function providerEnv(
  env: FunctionEnv,
  names: { endpoint: string; caFile: string; credentialsFile: string },
  target: ProviderTarget,
  devCaFile: string,
) {
  const credentialsFile = env[names.credentialsFile];
  if (!target.simulatorUrl && !credentialsFile) {
    throw new Error(`${names.endpoint} is set: ${names.credentialsFile} must name your credential file`);
  }
  const caFile = env[names.caFile] ?? (target.simulatorUrl ? devCaFile : undefined);
  return {
    [names.endpoint]: target.simulatorUrl ?? env[names.endpoint],
    [names.credentialsFile]: credentialsFile ?? target.devCredentialsFile(),
    ...(caFile ? { [names.caFile]: caFile } : {}),
  };
}

/**
 * The sender's environment: the stack's tables, DLQ and endpoints; APNs and FCM as the developer asked
 * (APNS_ENDPOINT / FCM_ENDPOINT with their CA and credential files) or else the simulators with the dev
 * CA and the dev credentials (APNs key DEVKEY0001 and the dev service account, app com.example.voip).
 */
function senderEnv(wiring: StackWiring, apns: ProviderTarget, fcm: ProviderTarget): FunctionEnv {
  const env = wiring.env;
  return {
    ...env,
    [EnvName.devicesTable]: wiring.tableNames.devices,
    [EnvName.deliveriesTable]: wiring.tableNames.deliveries,
    ...providerEnv(
      env,
      {
        endpoint: EnvName.apnsEndpoint,
        caFile: EnvName.apnsCaFile,
        credentialsFile: EnvName.apnsCredentialsFile,
      },
      apns,
      devKeyPaths.caCertificate,
    ),
    ...providerEnv(
      env,
      {
        endpoint: EnvName.fcmEndpoint,
        caFile: EnvName.fcmCaFile,
        credentialsFile: EnvName.fcmCredentialsFile,
      },
      fcm,
      devFcmKeyPaths.caCertificate,
    ),
    [EnvName.dlqUrl]: wiring.dlqUrl,
    [EnvName.callQueueUrl]: wiring.queueUrl,
    [EnvName.dynamodbEndpoint]: wiring.dynamodbEndpoint,
    [EnvName.sqsEndpoint]: wiring.sqsEndpoint,
  };
}

/**
 * Starts the APNs and FCM simulators (unless APNS_ENDPOINT / FCM_ENDPOINT say otherwise) and the poller that feeds the call
 * queue to the sender Lambda's handler, as the SQS event source mapping does in AWS.
 */
export async function startPushPath(wiring: StackWiring): Promise<PushPath> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne();
  };
  try {
    const override = apnsEndpointOverride(wiring.env);
    let apnsControlUrl: string | undefined;
    let simulatorUrl: string | undefined;
    if (!override) {
      const simulator = await startApnsSimulator({ port: wiring.apnsPort, controlPort: 0 });
      stops.push(() => simulator.close());
      simulatorUrl = simulator.url;
      apnsControlUrl = simulator.controlUrl;
      wiring.log('info', 'apns simulator started', { apnsEndpoint: simulatorUrl, apnsControlUrl });
    }
    const fcmOverride = fcmEndpointOverride(wiring.env);
    let fcmControlUrl: string | undefined;
    let fcmSimulatorUrl: string | undefined;
    let fcmTokenUrl = '';
    if (!fcmOverride) {
      const simulator = await startFcmSimulator({ port: wiring.fcmPort ?? 0, controlPort: 0 });
      stops.push(() => simulator.close());
      fcmSimulatorUrl = simulator.url;
      fcmTokenUrl = simulator.tokenUrl;
      fcmControlUrl = simulator.controlUrl;
      wiring.log('info', 'fcm simulator started', { fcmEndpoint: fcmSimulatorUrl, fcmControlUrl });
    }

    let devDir: string | undefined;
    const devFile = (name: string, credential: unknown) => () => {
      if (!devDir) {
        const dir = mkdtempSync(join(tmpdir(), 'voip-push-dev-'));
        devDir = dir;
        stops.push(async () => rmSync(dir, { recursive: true, force: true }));
      }
      const file = join(devDir, name);
      writeFileSync(file, JSON.stringify([credential]), { mode: 0o600 });
      return file;
    };
    const env = senderEnv(
      wiring,
      { simulatorUrl, devCredentialsFile: devFile('apns-credentials.json', devTokenCredential()) },
      {
        simulatorUrl: fcmSimulatorUrl,
        devCredentialsFile: devFile('fcm-credentials.json', devFcmCredential(fcmTokenUrl)),
      },
    );
    const credentialFiles = [env[EnvName.apnsCredentialsFile], env[EnvName.fcmCredentialsFile]].filter(
      (path): path is string => Boolean(path),
    );
    // Source mode only: deployed, the register function has the template's KNOWN_APPS.
    const knownApps = wiring.deployed
      ? undefined
      : (wiring.env[EnvName.knownApps] ?? knownAppsOfCredentialFiles(credentialFiles));
    const sqsClient = new SQSClient({
      endpoint: wiring.sqsEndpoint,
      region: wiring.region,
      credentials: LOCAL_CREDENTIALS,
    });
    stops.push(async () => sqsClient.destroy());
    const sender = wiring.deployed
      ? await deployedSender(wiring, wiring.deployed, env, credentialFiles)
      : sourceSender(wiring, env, sqsClient);
    stops.push(sender.stop);
    const poller = startPoller({
      sqsClient,
      queueUrl: wiring.queueUrl,
      handler: sender.handler,
      ...(sender.timeoutMs ? { functionTimeoutMs: sender.timeoutMs } : {}),
      log: (level, message, data) => wiring.log(level === 'warn' ? 'error' : level, message, data ?? {}),
    });
    stops.push(() => poller.stop());
    const fcmEndpoint = fcmOverride ?? fcmSimulatorUrl;
    return {
      apnsEndpoint: override ?? simulatorUrl,
      ...(apnsControlUrl ? { apnsControlUrl } : {}),
      ...(fcmEndpoint ? { fcmEndpoint } : {}),
      ...(fcmControlUrl ? { fcmControlUrl } : {}),
      ...(knownApps ? { knownApps } : {}),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The sender built in-process from source, by its config loader and composition root. */
function sourceSender(wiring: StackWiring, env: FunctionEnv, sqsClient: SQSClient): SenderRun {
  const deps = buildSenderDeps(loadSenderConfig(env), {
    log: loggerSink(functionLogger(ServiceName.sender, wiring.env)),
    dynamoClient: wiring.dynamoClient,
    sqsClient,
  });
  return { handler: createSenderHandler(deps), stop: () => deps.close() };
}

/**
 * The single place where the Lambda functions and the push path (APNs simulator, SQS poller, sender)
 * join the local stack: each function is built by its own config loader and composition root
 * (`functions/<name>/config.ts` and `wiring.ts`), as in Lambda, over the stack's services. Everything
 * else in `stack.ts` is services and lifecycle.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadReceiptsConfig } from '../functions/receipts/config';
import { createReceiptsHandler } from '../functions/receipts/create-handler';
import { RECEIPTS_ROUTE_KEY } from '../functions/receipts/routes';
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
import type { ApiRoutes, HttpLambdaHandler, LogFn } from './api-server';
import { devKeyPaths, devTokenCredential } from './apns-simulator/dev-credentials';
import { startApnsSimulator } from './apns-simulator/simulator';
import { startPoller } from './poller';
import { LOCAL_CREDENTIALS } from './services/dynamodb-local';
import type { TableNames } from './services/tables';

/** The environment the local functions see (APNS_ENDPOINT, APNS_CA_FILE, APNS_CREDENTIALS_FILE, ...). */
export type FunctionEnv = Readonly<Record<string, string | undefined>>;

/** What the stack has started by the time the functions are wired. */
export interface StackWiring {
  readonly region: string;
  readonly dynamodbEndpoint: string;
  readonly dynamoClient: DynamoDBClient;
  readonly tableNames: TableNames;
  readonly sqsEndpoint: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  /** Port for the bundled APNs simulator (free when the stack started). */
  readonly apnsPort: number;
  readonly env: FunctionEnv;
  readonly log: LogFn;
}

export interface PushPath {
  /** Where the sender sends: the simulator's URL, or APNS_ENDPOINT. */
  readonly apnsEndpoint?: string;
  /** The simulator's control API (`GET /pushes`, faults); absent when APNS_ENDPOINT is set. */
  readonly apnsControlUrl?: string;
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
  return {
    'PUT /v1/devices/{deviceId}': register,
    'GET /v1/devices': register,
    'DELETE /v1/devices/{deviceId}': register,
    [RECEIPTS_ROUTE_KEY]: receipts,
  };
}

/**
 * The sender's environment: the stack's tables, DLQ and endpoints; APNs as the developer asked
 * (APNS_ENDPOINT, APNS_CA_FILE, APNS_CREDENTIALS_FILE) or else the simulator with its dev CA and the
 * dev token credential (DEVKEY0001, bundle com.example.voip) written to `devCredentialsFile`.
 */
function senderEnv(wiring: StackWiring, simulatorUrl: string | undefined, devCredentialsFile: () => string) {
  const env = wiring.env;
  const credentialsFile = env[EnvName.apnsCredentialsFile];
  if (!simulatorUrl && !credentialsFile) {
    throw new Error(
      `${EnvName.apnsEndpoint} is set: ${EnvName.apnsCredentialsFile} must name your APNs credential file`,
    );
  }
  const caFile = env[EnvName.apnsCaFile] ?? (simulatorUrl ? devKeyPaths.caCertificate : undefined);
  return {
    ...env,
    [EnvName.devicesTable]: wiring.tableNames.devices,
    [EnvName.deliveriesTable]: wiring.tableNames.deliveries,
    [EnvName.apnsEndpoint]: simulatorUrl ?? env[EnvName.apnsEndpoint],
    [EnvName.apnsCredentialsFile]: credentialsFile ?? devCredentialsFile(),
    ...(caFile ? { [EnvName.apnsCaFile]: caFile } : {}),
    [EnvName.dlqUrl]: wiring.dlqUrl,
    [EnvName.callQueueUrl]: wiring.queueUrl,
    [EnvName.dynamodbEndpoint]: wiring.dynamodbEndpoint,
    [EnvName.sqsEndpoint]: wiring.sqsEndpoint,
  };
}

/**
 * Starts the APNs simulator (unless APNS_ENDPOINT says otherwise) and the poller that feeds the call
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

    const config = loadSenderConfig(
      senderEnv(wiring, simulatorUrl, () => {
        const dir = mkdtempSync(join(tmpdir(), 'voip-push-apns-'));
        stops.push(async () => rmSync(dir, { recursive: true, force: true }));
        const file = join(dir, 'dev-credentials.json');
        writeFileSync(file, JSON.stringify([devTokenCredential()]), { mode: 0o600 });
        return file;
      }),
    );
    const sqsClient = new SQSClient({
      endpoint: wiring.sqsEndpoint,
      region: wiring.region,
      credentials: LOCAL_CREDENTIALS,
    });
    stops.push(async () => sqsClient.destroy());
    const deps = buildSenderDeps(config, {
      log: loggerSink(functionLogger(ServiceName.sender, wiring.env)),
      dynamoClient: wiring.dynamoClient,
      sqsClient,
    });
    stops.push(() => deps.close());
    const poller = startPoller({
      sqsClient,
      queueUrl: wiring.queueUrl,
      handler: createSenderHandler(deps),
      log: (level, message, data) => wiring.log(level === 'warn' ? 'error' : level, message, data ?? {}),
    });
    stops.push(() => poller.stop());
    return { apnsEndpoint: override ?? simulatorUrl, ...(apnsControlUrl ? { apnsControlUrl } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

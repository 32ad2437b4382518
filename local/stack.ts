/**
 * The whole back end on one machine (docs/contracts.md, local stack): DynamoDB Local, fauxqs (queue + DLQ), the
 * APNs simulator and sender poller, and the local API. `npm start` runs it; tests start it in-process.
 */
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EnvName, LocalEnvName } from '../shared/platform/env-names';
import type { ApiRoutes, LogFn } from './api-server';
import { startApiServer } from './api-server';
import { startStackConsole } from './console/stack-console';
import { deployedFunctions } from './functions/build';
import { deployedApiRoutes } from './functions/hosted';
import { localApps } from './functions/local-apps';
import { type LocalSigningKey, mintDevToken } from './jwt';
import type { LogLineSource } from './log-lines';
import { dynamoTokenOwners, type Phones, phonesOptionsFromEnv, startPhones } from './phones';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from './services/dynamodb-local';
import { startLocalSqs } from './services/fauxqs';
import { preferredOrFreePort } from './services/free-port';
import { createTables, type TableNames } from './services/tables';
import { type AwsRequestListener, apiRoutes, type FunctionEnv, startPushPath } from './stack-wiring';

export const DEFAULT_TABLE_NAMES: TableNames = {
  devices: 'voip-push-devices',
  deliveries: 'voip-push-deliveries',
};
export const DEFAULT_QUEUE_NAMES = { queue: 'voip-push-calls', dlq: 'voip-push-calls-dlq' } as const;
/** Same redrive and visibility as the CDK app's call queue. */
export const QUEUE_MAX_RECEIVE_COUNT = 3;
export const QUEUE_VISIBILITY_TIMEOUT_SECONDS = 30;
/** `.local` at the repository root, or `VOIP_LOCAL_DIR` (tests run a second stack beside a developer's). */
export const LOCAL_DIR = process.env[LocalEnvName.stateDir]
  ? resolve(process.env[LocalEnvName.stateDir] as string)
  : resolve(import.meta.dirname, '..', '.local');
export const DEFAULT_PORTS = {
  api: 3000,
  dynamodb: 8000,
  sqs: 4566,
  apns: 2197,
  fcm: 2198,
  console: 3030,
} as const;

import type { LocalStackInfo } from './stack-types';

export type { LocalStackInfo } from './stack-types';

export interface LocalStackOptions {
  /** @default VOIP_LOCAL_PORT, else 3000; 0 picks a free port */
  readonly apiPort?: number;
  /** Preferred ports, used when free (else a free one is picked); 0 always picks a free one. @default DEFAULT_PORTS */
  readonly dynamodbPort?: number;
  readonly sqsPort?: number;
  readonly apnsPort?: number;
  readonly fcmPort?: number;
  /** Where DynamoDB Local and fauxqs keep their data; `null` keeps everything in memory. @default `.local` */
  readonly dataDir?: string | null;
  /** @default DEFAULT_TABLE_NAMES */
  readonly tableNames?: TableNames;
  /** @default DEFAULT_QUEUE_NAMES */
  readonly queueNames?: { readonly queue: string; readonly dlq: string };
  /** APNS_* and FCM_* (ENDPOINT, CA_FILE, CREDENTIALS_FILE), KNOWN_APPS, VOIP_LOCAL_PORT. @default process.env */
  readonly env?: FunctionEnv;
  /** @default the `.local/jwt` key */
  readonly signingKey?: LocalSigningKey;
  /** Logs of the stack and the API (JSON lines); @default none */
  readonly log?: LogFn;
  /** The stack's output as parsed lines (`npm start` taps stdout): the console reads the sender's pushes there. */
  readonly logLines?: LogLineSource;
  /** The console's preferred port (any free one when taken), or false for none. @default DEFAULT_PORTS.console */
  readonly console?: false | { readonly port?: number };
  /**
   * `bundle`: each function runs as deployed, from the bundle `cdk synth` builds, with the template's
   * environment, in execution environments of its own. `source`: in this process from TypeScript
   * (faster to start after a change; the AWS request recorder sees its calls).
   * @default VOIP_FUNCTIONS, else 'bundle'
   */
  readonly functions?: FunctionsMode;
  /** Bundle mode: called with each AWS request a function sends (the tests' IAM check). */
  readonly onAwsRequest?: AwsRequestListener;
}

export type FunctionsMode = 'bundle' | 'source';

function functionsModeFrom(options: LocalStackOptions, env: FunctionEnv): FunctionsMode {
  const mode = options.functions ?? env[LocalEnvName.functions] ?? 'bundle';
  if (mode !== 'bundle' && mode !== 'source')
    throw new Error(`${LocalEnvName.functions} must be "bundle" or "source", got "${mode}"`);
  return mode;
}

export interface LocalStack {
  readonly info: LocalStackInfo;
  /** Not part of the READY contract: the APNs simulator's control API (`GET /pushes`), when it runs. */
  readonly apnsControlUrl?: string;
  /** Not part of the READY contract: the FCM simulator's control API (`GET /messages`), when it runs. */
  readonly fcmControlUrl?: string;
  /** Not part of the READY contract: the phones emulator (rings and receipts), unless PHONE_RECEIPTS=off. */
  readonly phones?: Phones;
  /** Stops every component (the DynamoDB Local java process included); safe to call twice. */
  stop(): Promise<void>;
}

async function createQueues(
  sqsEndpoint: string,
  names: { readonly queue: string; readonly dlq: string },
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const client = new SQSClient({
    endpoint: sqsEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    const dlq = await client.send(new CreateQueueCommand({ QueueName: names.dlq }));
    const dlqUrl = dlq.QueueUrl as string;
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const queue = await client.send(
      new CreateQueueCommand({
        QueueName: names.queue,
        Attributes: {
          VisibilityTimeout: String(QUEUE_VISIBILITY_TIMEOUT_SECONDS),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: attrs.Attributes?.QueueArn,
            maxReceiveCount: QUEUE_MAX_RECEIVE_COUNT,
          }),
        },
      }),
    );
    return { queueUrl: queue.QueueUrl as string, dlqUrl };
  } finally {
    client.destroy();
  }
}

function apiPortFrom(options: LocalStackOptions, env: FunctionEnv): number {
  if (options.apiPort !== undefined) return options.apiPort;
  const raw = env[LocalEnvName.apiPort];
  if (raw === undefined || raw === '') return DEFAULT_PORTS.api;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${LocalEnvName.apiPort} must be a port number, got "${raw}"`);
  return port;
}

/** Starts every component in order and returns once all of them answer; stops what started if one fails. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const log: LogFn = options.log ?? (() => undefined);
  const dataDir = options.dataDir === undefined ? LOCAL_DIR : options.dataDir;
  const tableNames = options.tableNames ?? DEFAULT_TABLE_NAMES;
  const apiPort = apiPortFrom(options, env);
  const functionsMode = functionsModeFrom(options, env);
  const stops: Array<() => Promise<void>> = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Reverse order: the API and the poller stop taking work before the services under them go.
    for (const stopOne of stops.reverse()) {
      await stopOne().catch((error: unknown) => log('error', 'stop failed', { error: String(error) }));
    }
  };
  try {
    // Synthesized (or taken from the cache) while the services start.
    const deployedResult =
      functionsMode === 'bundle' ? deployedFunctions(localApps(env)) : Promise.resolve(undefined);
    const [dynamoResult, sqsResult, built] = await Promise.allSettled([
      preferredOrFreePort(options.dynamodbPort ?? DEFAULT_PORTS.dynamodb).then((port) =>
        startDynamoDbLocal({ port, ...(dataDir ? { dataDir: resolve(dataDir, 'dynamodb') } : {}) }),
      ),
      preferredOrFreePort(options.sqsPort ?? DEFAULT_PORTS.sqs).then((port) =>
        startLocalSqs({ port, ...(dataDir ? { dataDir: resolve(dataDir, 'sqs') } : {}) }),
      ),
      deployedResult,
    ]);
    // Started together; whichever came up is stopped again if the other did not.
    if (dynamoResult.status === 'fulfilled') stops.push(() => dynamoResult.value.stop());
    if (sqsResult.status === 'fulfilled') stops.push(() => sqsResult.value.stop());
    if (dynamoResult.status === 'rejected') throw dynamoResult.reason;
    if (sqsResult.status === 'rejected') throw sqsResult.reason;
    if (built.status === 'rejected') throw built.reason;
    const deployed = built.value;
    const dynamo = dynamoResult.value;
    const sqs = sqsResult.value;
    log('info', 'services started', {
      dynamodbEndpoint: dynamo.endpoint,
      sqsEndpoint: sqs.endpoint,
      functions: deployed ? `bundles of cdk synth (${deployed.key})` : 'source',
    });
    if (dynamo.bindNote)
      log('error', 'DynamoDB Local listens on all interfaces', { reason: dynamo.bindNote });

    const dynamoClient = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    stops.push(async () => dynamoClient.destroy());
    await createTables(dynamoClient, tableNames);
    const queues = await createQueues(sqs.endpoint, options.queueNames ?? DEFAULT_QUEUE_NAMES);

    const wiring = {
      dynamodbEndpoint: dynamo.endpoint,
      dynamoClient,
      sqsEndpoint: sqs.endpoint,
      region: LOCAL_REGION,
      tableNames,
      ...queues,
      env,
      log,
      apnsPort: await preferredOrFreePort(options.apnsPort ?? DEFAULT_PORTS.apns),
      fcmPort: await preferredOrFreePort(options.fcmPort ?? DEFAULT_PORTS.fcm),
      ...(deployed ? { deployed } : {}),
      ...(options.onAwsRequest ? { onAwsRequest: options.onAwsRequest } : {}),
    };
    const push = await startPushPath(wiring);
    stops.push(() => push.stop());

    let routes: ApiRoutes;
    if (deployed) {
      // KNOWN_APPS comes from the template, synthesized for the apps of the credentials.
      const hosted = deployedApiRoutes(wiring, deployed);
      stops.push(() => hosted.stop());
      routes = hosted.routes;
    } else {
      routes = await apiRoutes({
        ...wiring,
        env: push.knownApps ? { ...env, [EnvName.knownApps]: push.knownApps } : env,
      });
    }
    const api = await startApiServer({
      port: apiPort,
      routes,
      log,
      ...(options.signingKey ? { signingKey: options.signingKey } : {}),
    });
    stops.push(() => api.close());

    // The phones: they answer the simulator's accepted VoIP pushes with receipts (local/phones.ts).
    const phoneSettings = phonesOptionsFromEnv(env);
    let phones: Phones | undefined;
    if ((push.apnsControlUrl || push.fcmControlUrl) && phoneSettings.enabled) {
      const { signingKey } = options;
      phones = startPhones({
        ...phoneSettings,
        apiUrl: api.url,
        ...(push.apnsControlUrl ? { apnsControlUrl: push.apnsControlUrl } : {}),
        ...(push.fcmControlUrl ? { fcmControlUrl: push.fcmControlUrl } : {}),
        owners: dynamoTokenOwners(DynamoDBDocumentClient.from(dynamoClient), tableNames.devices),
        ...(signingKey ? { mintToken: (userId: string) => mintDevToken(userId, { key: signingKey }) } : {}),
        log,
      });
      const started = phones;
      stops.push(() => started.stop());
    }

    const info: LocalStackInfo = {
      apiUrl: api.url,
      region: LOCAL_REGION,
      sqsEndpoint: sqs.endpoint,
      queueUrl: queues.queueUrl,
      dlqUrl: queues.dlqUrl,
      dynamodbEndpoint: dynamo.endpoint,
      ...(push.apnsEndpoint ? { apnsEndpoint: push.apnsEndpoint } : {}),
      ...(push.fcmEndpoint ? { fcmEndpoint: push.fcmEndpoint } : {}),
    };
    let consoleUrl: string | undefined;
    if (options.console !== false) {
      const localConsole = await startStackConsole({
        port: options.console?.port ?? DEFAULT_PORTS.console,
        info,
        dynamoClient,
        tableNames,
        dynamodb: dynamo,
        sqs,
        simulators: [
          ...(push.apnsControlUrl ? [{ platform: 'ios', controlUrl: push.apnsControlUrl }] : []),
          ...(push.fcmControlUrl ? [{ platform: 'android', controlUrl: push.fcmControlUrl }] : []),
        ],
        ...(phones ? { phoneEvents: phones.events } : {}),
        ...(options.logLines ? { logLines: options.logLines } : {}),
        log,
      });
      stops.push(() => localConsole.stop());
      consoleUrl = localConsole.url;
    }
    return {
      info: { ...info, ...(consoleUrl ? { consoleUrl } : {}) },
      ...(push.apnsControlUrl ? { apnsControlUrl: push.apnsControlUrl } : {}),
      ...(push.fcmControlUrl ? { fcmControlUrl: push.fcmControlUrl } : {}),
      ...(phones ? { phones } : {}),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

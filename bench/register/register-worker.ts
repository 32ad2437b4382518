/**
 * Item 5 in its own process: PUT /v1/devices/{id} through the local API server (JWT check like the
 * authorizer, the real register handler, DynamoDB Local), interleaved one by one with a bare
 * TransactWriteItems of the same three items (device, token owner, user meta) on the same table.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { loadRegisterConfig } from '../../functions/register/config';
import { createRegisterHandler } from '../../functions/register/create-handler';
import { buildRegisterDeps } from '../../functions/register/wiring';
import { type HttpLambdaHandler, startApiServer } from '../../local/api-server';
import { loadLocalSigningKey, mintDevToken } from '../../local/jwt';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import { createTables } from '../../local/services/tables';
import { documentClientOf } from '../../shared/adapters/dynamodb/clients';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { createLogger } from '../../shared/adapters/powertools-log';
import { EnvName } from '../../shared/platform/env-names';
import { ServiceName } from '../../shared/platform/metric-names';
import { emitResult } from '../lib/child';
import { summarize } from '../lib/stats';

export interface RegisterWorkerInput {
  readonly dynamodbEndpoint: string;
  readonly count: number;
}

export interface RegisterWorkerResult {
  readonly api: ReturnType<typeof summarize>;
  readonly bare: ReturnType<typeof summarize>;
  readonly repository: ReturnType<typeof summarize>;
  /** The same device registered again with the same tokens (the app's launch-time refresh). */
  readonly apiRefresh: ReturnType<typeof summarize>;
  readonly repositoryRefresh: ReturnType<typeof summarize>;
  readonly failures: number;
}

const input = JSON.parse(process.argv[2] ?? '{}') as RegisterWorkerInput;
const suffix = randomUUID().slice(0, 8);
const tables = { devices: `bench-reg-devices-${suffix}`, deliveries: `bench-reg-deliveries-${suffix}` };
const dynamo = new DynamoDBClient({
  endpoint: input.dynamodbEndpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
});
const documents = documentClientOf(dynamo);
await createTables(dynamo, tables);
const repository = new DynamoDeviceRepository({ client: documents, tableName: tables.devices });
// The register function as its composition root builds it, on this process's DynamoDB client.
const register = createRegisterHandler(
  buildRegisterDeps(
    loadRegisterConfig({
      [EnvName.devicesTable]: tables.devices,
      [EnvName.dynamodbEndpoint]: input.dynamodbEndpoint,
    }),
    { logger: createLogger(ServiceName.register, 'WARN'), dynamoClient: dynamo },
  ),
) as HttpLambdaHandler;
const signingKey = await loadLocalSigningKey();
const api = await startApiServer({
  port: 0,
  signingKey,
  routes: { 'PUT /v1/devices/{deviceId}': register },
  log: () => undefined,
});

const token = (): string => randomBytes(32).toString('hex');
const jwts = await Promise.all(
  Array.from({ length: input.count + 10 }, (_, i) => mintDevToken(`reg-user-${i}`, { key: signingKey })),
);

const apiBodies: string[] = [];
async function putDevice(i: number): Promise<boolean> {
  apiBodies[i] ??= JSON.stringify({
    bundleId: 'com.example.voip',
    environment: 'sandbox',
    voipToken: token(),
    alertToken: token(),
    appVersion: '1.0.0',
    locale: 'en_GB',
  });
  const response = await fetch(`${api.url}/v1/devices/phone-1`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${jwts[i]}`, 'content-type': 'application/json' },
    body: apiBodies[i],
  });
  await response.arrayBuffer();
  return response.status === 200;
}

/** The same three items the register path writes for a new device, in one transaction, no reads. */
async function bareWrite(i: number): Promise<void> {
  const userId = `bare-user-${i}`;
  const now = new Date().toISOString();
  const voipToken = token();
  await documents.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tables.devices,
            Item: {
              pk: `USER#${userId}`,
              sk: 'DEVICE#phone-1',
              userId,
              deviceId: 'phone-1',
              bundleId: 'com.example.voip',
              environment: 'sandbox',
              voipToken,
              alertToken: token(),
              appVersion: '1.0.0',
              locale: 'en_GB',
              createdAt: now,
              updatedAt: now,
              version: 1,
              expiresAt: Math.floor(Date.now() / 1000) + 180 * 86_400,
            },
          },
        },
        {
          Put: {
            TableName: tables.devices,
            Item: { pk: `TOKEN#${voipToken}`, sk: 'OWNER', userId, deviceId: 'phone-1', kind: 'voip' },
          },
        },
        {
          Put: {
            TableName: tables.devices,
            Item: { pk: `USER#${userId}`, sk: 'META', deviceCount: 1, version: 1 },
          },
        },
      ],
    }),
  );
}

/** The repository alone (no HTTP, JWT or middy): separates the data path from the API layers. */
const repoTokens: [string, string][] = [];
async function repositoryRegister(i: number): Promise<void> {
  repoTokens[i] ??= [token(), token()];
  const [voipToken, alertToken] = repoTokens[i];
  await repository.register({
    userId: `repo-user-${i}`,
    deviceId: 'phone-1',
    bundleId: 'com.example.voip',
    environment: 'sandbox',
    voipToken,
    alertToken,
    appVersion: '1.0.0',
    locale: 'en_GB',
    now: new Date(),
  });
}

const repoMs: number[] = [];
const apiMs: number[] = [];
const apiRefreshMs: number[] = [];
const repoRefreshMs: number[] = [];
const bareMs: number[] = [];
let failures = 0;
const deadline = performance.now() + 120_000;
for (let i = 0; i < input.count + 10 && performance.now() < deadline; i++) {
  let t = performance.now();
  if (!(await putDevice(i))) failures++;
  const a = performance.now() - t;
  t = performance.now();
  await bareWrite(i);
  const b = performance.now() - t;
  t = performance.now();
  await repositoryRegister(i);
  const r = performance.now() - t;
  // The same device again, same tokens: what an app does at every launch.
  t = performance.now();
  if (!(await putDevice(i))) failures++;
  const ar = performance.now() - t;
  t = performance.now();
  await repositoryRegister(i);
  const rr = performance.now() - t;
  if (i < 10) continue; // warm-up: JIT, connections, table pages
  apiMs.push(a);
  bareMs.push(b);
  repoMs.push(r);
  apiRefreshMs.push(ar);
  repoRefreshMs.push(rr);
}
await api.close();
emitResult({
  api: summarize(apiMs),
  bare: summarize(bareMs),
  repository: summarize(repoMs),
  apiRefresh: summarize(apiRefreshMs),
  repositoryRefresh: summarize(repoRefreshMs),
  failures,
} satisfies RegisterWorkerResult);
process.exit(0);

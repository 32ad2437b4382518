/**
 * The sender as the bench runs it, shared by the sender and cost workers: fresh tables on DynamoDB
 * Local, devices seeded through the repository (the register path's own transaction), the credential
 * and the simulator's CA in files, and createSenderHandler's deps built by buildSenderDeps exactly as
 * handler.ts builds them (Powertools Logger and Metrics writing to stdout, as in Lambda).
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadSenderConfig } from '../../functions/sender/config';
import { buildSenderDeps, type SenderDeps } from '../../functions/sender/wiring';
import { devCaPem, devTokenCredential } from '../../local/apns-simulator/dev-credentials';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import { createTables } from '../../local/services/tables';
import { documentClientOf } from '../../shared/adapters/dynamodb/clients';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { mapBounded } from '../../shared/lib/helpers';
import { EnvName } from '../../shared/platform/env-names';
import { deviceTokens } from '../transport/fixtures';

export interface SeedDevice {
  readonly userId: string;
  readonly deviceId: string;
}

export interface SenderBench {
  /** Unique per process: table, queue and call ids carry it. */
  readonly suffix: string;
  readonly tables: { readonly devices: string; readonly deliveries: string };
  readonly dynamo: DynamoDBClient;
  readonly documents: DynamoDBDocumentClient;
  readonly deps: SenderDeps;
}

export const LOCAL_AWS = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS } as const;

/** Creates the tables, registers `devices` (one token each) and wires the sender against `apnsUrl`. */
export async function setUpSender(options: {
  readonly dynamodbEndpoint: string;
  readonly apnsUrl: string;
  readonly devices: readonly SeedDevice[];
}): Promise<SenderBench> {
  const suffix = randomUUID().slice(0, 8);
  const tables = { devices: `bench-devices-${suffix}`, deliveries: `bench-deliveries-${suffix}` };
  const dynamo = new DynamoDBClient({ endpoint: options.dynamodbEndpoint, ...LOCAL_AWS });
  const documents = documentClientOf(dynamo);
  await createTables(dynamo, tables);

  const tokens = deviceTokens(options.devices.length);
  const repository = new DynamoDeviceRepository({ client: documents, tableName: tables.devices });
  await mapBounded(options.devices, 16, (device, i) =>
    repository.register({
      ...device,
      bundleId: 'com.example.voip',
      environment: 'sandbox',
      voipToken: tokens[i] as string,
      now: new Date(),
    }),
  );

  const credentialsFile = join(tmpdir(), `bench-apns-credential-${suffix}.json`);
  writeFileSync(credentialsFile, JSON.stringify(devTokenCredential()), { mode: 0o600 });
  const caFile = join(tmpdir(), `bench-apns-ca-${suffix}.pem`);
  writeFileSync(caFile, devCaPem());
  const config = loadSenderConfig({
    [EnvName.devicesTable]: tables.devices,
    [EnvName.deliveriesTable]: tables.deliveries,
    [EnvName.apnsCredentialsFile]: credentialsFile,
    [EnvName.apnsEndpoint]: options.apnsUrl,
    [EnvName.apnsCaFile]: caFile,
  });
  const deps = buildSenderDeps(config, { dynamoClient: dynamo });
  return { suffix, tables, dynamo, documents, deps };
}

/** The call event the bench sends (docs/contracts.md), with a callId unique per `seq`. */
export function benchCallEvent(suffix: string, seq: number, recipients: readonly string[]) {
  return {
    version: 1 as const,
    type: 'incoming_call' as const,
    callId: `c-${suffix}-${seq}`,
    recipients: [...recipients],
    caller: { id: 'user-9', displayName: 'Ada Lovelace', handle: '+15550100' },
    media: 'audio' as const,
    createdAt: new Date().toISOString(),
    ringTimeoutSeconds: 30,
    data: { room: 'r-1' },
  };
}

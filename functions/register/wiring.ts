import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, documentClientOf } from '../../shared/adapters/dynamodb/clients';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { createLogger } from '../../shared/adapters/powertools-log';
import { ServiceName } from '../../shared/platform/metric-names';
import type { RegisterConfig } from './config';
import type { RegisterHandlerDeps } from './create-handler';

export interface RegisterWiringOptions {
  /** @default a Powertools Logger of the register service */
  readonly logger?: Logger;
  /** Reuse a client the caller already has (local stack, bench); built from the config otherwise. */
  readonly dynamoClient?: DynamoDBClient;
}

/** The register function's adapters from its configuration: once per execution environment. */
export function buildRegisterDeps(
  config: RegisterConfig,
  options: RegisterWiringOptions = {},
): RegisterHandlerDeps {
  const dynamo =
    options.dynamoClient ??
    createDynamoClient(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {});
  return {
    repository: new DynamoDeviceRepository({
      client: documentClientOf(dynamo),
      tableName: config.devicesTableName,
    }),
    logger: options.logger ?? createLogger(ServiceName.register),
    limits: { maxDevicesPerUser: config.maxDevicesPerUser, deviceTtlDays: config.deviceTtlDays },
    ...(config.knownApps ? { knownApps: config.knownApps } : {}),
  };
}

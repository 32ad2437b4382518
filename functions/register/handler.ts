import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { createLogger } from '../../shared/adapters/powertools-telemetry';
import { loadRegisterConfig } from '../../shared/platform/config';
import { ServiceName } from '../../shared/platform/metric-names';
import { createRegisterHandler } from './create-handler';

// Module scope runs once per execution environment: configuration checked, clients built and reused.
const config = loadRegisterConfig();
const logger = createLogger(ServiceName.register);
const dynamo = new DynamoDBClient(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {});
const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });

export const handler = createRegisterHandler({
  repository: new DynamoDeviceRepository({ client: documents, tableName: config.devicesTableName }),
  logger,
  limits: { maxDevicesPerUser: config.maxDevicesPerUser, deviceTtlDays: config.deviceTtlDays },
});

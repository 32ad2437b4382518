import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoReceiptStore } from '../../shared/adapters/dynamodb/receipt-store';
import { PowertoolsMetricsSink } from '../../shared/adapters/powertools-telemetry';
import { METRICS_NAMESPACE, ServiceName } from '../../shared/platform/metric-names';
import { loadReceiptsConfig } from './config';
import { createReceiptsHandler } from './create-handler';

// Module scope runs once per execution environment: configuration checked, clients built and reused.
const config = loadReceiptsConfig();
const logger = new Logger({ serviceName: ServiceName.receipts });
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: ServiceName.receipts });
const dynamo = new DynamoDBClient(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {});
const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });

export const handler = createReceiptsHandler({
  devices: new DynamoDeviceRepository({ client: documents, tableName: config.devicesTableName }),
  receipts: new DynamoReceiptStore({ client: documents, tableName: config.deliveriesTableName }),
  logger,
  metrics: new PowertoolsMetricsSink(metrics),
});

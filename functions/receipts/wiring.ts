import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, documentClientOf } from '../../shared/adapters/dynamodb/clients';
import { DynamoDeviceRepository } from '../../shared/adapters/dynamodb/device-repository';
import { DynamoReceiptStore } from '../../shared/adapters/dynamodb/receipt-store';
import { createLogger } from '../../shared/adapters/powertools-log';
import { createMetrics, PowertoolsMetricsSink } from '../../shared/adapters/powertools-metrics';
import { ServiceName } from '../../shared/platform/metric-names';
import type { MetricsSink } from '../../shared/ports/metrics';
import type { ReceiptsConfig } from './config';
import type { ReceiptsHandlerDeps } from './create-handler';

export interface ReceiptsWiringOptions {
  /** @default a Powertools Logger of the receipts service */
  readonly logger?: Logger;
  /** @default EMF through Powertools Metrics of the receipts service */
  readonly metrics?: MetricsSink;
  /** Reuse a client the caller already has (local stack); built from the config otherwise. */
  readonly dynamoClient?: DynamoDBClient;
}

/** The receipts function's adapters from its configuration: once per execution environment. */
export function buildReceiptsDeps(
  config: ReceiptsConfig,
  options: ReceiptsWiringOptions = {},
): ReceiptsHandlerDeps {
  const dynamo =
    options.dynamoClient ??
    createDynamoClient(config.dynamodbEndpoint ? { endpoint: config.dynamodbEndpoint } : {});
  const documents = documentClientOf(dynamo);
  return {
    devices: new DynamoDeviceRepository({ client: documents, tableName: config.devicesTableName }),
    receipts: new DynamoReceiptStore({ client: documents, tableName: config.deliveriesTableName }),
    logger: options.logger ?? createLogger(ServiceName.receipts),
    metrics: options.metrics ?? new PowertoolsMetricsSink(createMetrics(ServiceName.receipts)),
  };
}

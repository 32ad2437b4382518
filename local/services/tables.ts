import {
  CreateTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DELIVERIES_TABLE,
  DEVICES_TABLE,
  type TableDefinition,
  TTL_ATTRIBUTE,
} from '../../shared/adapters/dynamodb/table-definitions';

export interface TableNames {
  readonly devices: string;
  readonly deliveries: string;
}

async function createTable(client: DynamoDBClient, name: string, def: TableDefinition): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: def.partitionKey, AttributeType: 'S' },
          { AttributeName: def.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: def.partitionKey, KeyType: 'HASH' },
          { AttributeName: def.sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

/** Creates the project's tables (same keys and TTL as the CDK app) unless they exist. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await createTable(client, names.devices, DEVICES_TABLE);
  await createTable(client, names.deliveries, DELIVERIES_TABLE);
}

import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  DELIVERIES_TABLE,
  DEVICES_TABLE,
  type TableDefinition,
  TTL_ATTRIBUTE,
} from '../../shared/adapters/dynamodb/table-definitions';

export interface DataTablesProps {
  /**
   * What happens to the tables (and their data) when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The two DynamoDB tables, keyed as `shared/adapters/dynamodb/table-definitions.ts` says (the local stack creates
 * the same ones): on-demand, point-in-time recovery, AWS-managed KMS encryption (aws/dynamodb), TTL on `expiresAt`.
 */
export class DataTables extends Construct {
  /** Devices and token owners (register writes; sender reads and prunes; receipts reads). */
  readonly devices: Table;
  /** One item per (call, device) push attempt (sender writes; receipts reads and updates). */
  readonly deliveries: Table;

  constructor(scope: Construct, id: string, props: DataTablesProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.devices = this.table(DEVICES_TABLE, removalPolicy);
    this.deliveries = this.table(DELIVERIES_TABLE, removalPolicy);
  }

  private table(definition: TableDefinition, removalPolicy: RemovalPolicy): Table {
    return new Table(this, definition.id === 'devices' ? 'Devices' : 'Deliveries', {
      partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
      sortKey: { name: definition.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
  }
}

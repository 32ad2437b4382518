/**
 * Key schema of the two tables, shared by the CDK app and the local stack so both create the same tables.
 * Design and access patterns: docs/data-model.md.
 */
export const TTL_ATTRIBUTE = 'expiresAt';

export interface TableDefinition {
  /** Logical name; the physical name comes from an env var (DEVICES_TABLE_NAME, DELIVERIES_TABLE_NAME). */
  readonly id: 'devices' | 'deliveries';
  readonly partitionKey: 'pk';
  readonly sortKey: 'sk';
}

export const DEVICES_TABLE: TableDefinition = { id: 'devices', partitionKey: 'pk', sortKey: 'sk' };
export const DELIVERIES_TABLE: TableDefinition = { id: 'deliveries', partitionKey: 'pk', sortKey: 'sk' };

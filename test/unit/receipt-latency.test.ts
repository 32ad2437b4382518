import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { loadReceiptsConfig } from '../../functions/receipts/config';
import { receiptLatencies } from '../../shared/use-cases/record-receipt';

const record = { createdAt: '2026-11-28T10:00:00.000Z', acceptedAt: '2026-11-28T10:00:00.120Z' };

describe('receiptLatencies', () => {
  it('measures phone latency from acceptedAt and end to end from createdAt when the receipt arrives', () => {
    expect(receiptLatencies(record, '2026-11-28T10:00:00.300Z')).toEqual({
      phoneLatencyMs: 180,
      endToEndMs: 300,
    });
  });

  it('reads offsets in the event createdAt when call-control sends a non-UTC time', () => {
    const withOffset = { ...record, createdAt: '2026-11-28T11:00:00.000+01:00' };
    expect(receiptLatencies(withOffset, '2026-11-28T10:00:01.000Z').endToEndMs).toBe(1000);
  });

  it('clamps to 0 when the receipt arrives a hair before acceptedAt by another host clock', () => {
    expect(receiptLatencies(record, '2026-11-28T10:00:00.118Z')).toEqual({
      phoneLatencyMs: 0,
      endToEndMs: 118,
    });
  });

  it('never reports phone latency above end to end latency when acceptance follows creation', () => {
    fc.assert(
      fc.property(fc.nat(60_000), fc.nat(60_000), (toAccept, toArrive) => {
        const created = Date.parse(record.createdAt);
        const latencies = receiptLatencies(
          { createdAt: record.createdAt, acceptedAt: new Date(created + toAccept).toISOString() },
          new Date(created + toAccept + toArrive).toISOString(),
        );
        expect(latencies.phoneLatencyMs).toBe(toArrive);
        expect(latencies.endToEndMs).toBe(toAccept + toArrive);
      }),
    );
  });
});

describe('loadReceiptsConfig', () => {
  it('reads both table names and the local endpoint when they are set', () => {
    expect(
      loadReceiptsConfig({
        DEVICES_TABLE_NAME: 'devices',
        DELIVERIES_TABLE_NAME: 'deliveries',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
      }),
    ).toEqual({
      devicesTableName: 'devices',
      deliveriesTableName: 'deliveries',
      dynamodbEndpoint: 'http://127.0.0.1:8000',
    });
  });

  it('names every missing variable when the configuration is incomplete', () => {
    expect(() => loadReceiptsConfig({})).toThrow(
      /DEVICES_TABLE_NAME is required.*DELIVERIES_TABLE_NAME is required/,
    );
  });
});

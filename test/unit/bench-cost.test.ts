import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  billedGbSeconds,
  costPerMillionPushes,
  cpuBoundMs,
  secretsCallsPerPush,
  snsPerMillionPushes,
  usagePerPush,
} from '../../bench/lib/cost';
import { PRICES } from '../../bench/lib/prices';

describe('bench cost arithmetic', () => {
  it('bills each invocation rounded up to the ms, at least 1 ms, times memory in GB', () => {
    // 1 + 1 + 2 ms at 1 GB; 10 ms at 128 MB.
    expect(billedGbSeconds([0.2, 1, 1.01], 1024)).toBeCloseTo(0.004, 12);
    expect(billedGbSeconds([10], 128)).toBeCloseTo(0.00125, 12);
    expect(billedGbSeconds([], 512)).toBe(0);
  });

  it('divides one 1:1 call (two devices) among its pushes and prices every part', () => {
    const usage = usagePerPush(
      {
        pushes: 2,
        requests: {
          'sqs:SendMessageBatch': 1,
          'sqs:ReceiveMessage': 1,
          'sqs:DeleteMessageBatch': 1,
          'dynamodb:Query': 1,
          'dynamodb:UpdateItem': 4,
        },
        readUnits: 1,
        writeUnits: 4,
        invocationMs: [24.2],
        stdoutBytes: 2200,
      },
      { memoryMb: 512, platformLogBytesPerInvocation: 270, secretsCallsPerPush: 0.001 },
    );
    expect(usage).toEqual({
      sqsRequests: 1.5,
      readUnits: 0.5,
      writeUnits: 2,
      gbSeconds: 0.00625, // 25 ms × 0.5 GB / 2 pushes
      invocations: 0.5,
      logBytes: 1235, // (2200 + 270) / 2
      secretsCalls: 0.001,
    });
    const { parts, usdPerMillionPushes } = costPerMillionPushes(usage);
    expect(parts.sqs).toBeCloseTo(0.6, 10); // 1.5 × $0.40
    expect(parts.dynamodbRead).toBeCloseTo(0.0625, 10); // 0.5 × $0.125
    expect(parts.dynamodbWrite).toBeCloseTo(1.25, 10); // 2 × $0.625
    expect(parts.lambdaDuration).toBeCloseTo(0.08333375, 10); // 0.00625 GB-s × $0.0000133334 × 10⁶
    expect(parts.lambdaRequests).toBeCloseTo(0.1, 10); // 0.5 × $0.20
    expect(parts.logs).toBeCloseTo(0.6175, 10); // 1235 B × 10⁶ = 1.235 GB × $0.50
    expect(parts.secrets).toBeCloseTo(0.005, 10); // 1,000 calls × $0.05 / 10,000
    expect(usdPerMillionPushes).toBeCloseTo(2.71833375, 10);
  });

  it('prices with the table it is given', () => {
    const usage = {
      sqsRequests: 1,
      readUnits: 0,
      writeUnits: 0,
      gbSeconds: 0,
      invocations: 0,
      logBytes: 0,
      secretsCalls: 0,
    };
    expect(costPerMillionPushes(usage, { ...PRICES, sqsRequestsPerMillion: 0.5 }).usdPerMillionPushes).toBe(
      0.5,
    );
  });

  it('amortizes a cached secret over the pushes of its cache period', () => {
    expect(secretsCallsPerPush(1, 300, 1)).toBeCloseTo(1 / 300, 12);
    expect(secretsCallsPerPush(2, 300, 10)).toBeCloseTo(2 / 3000, 12);
  });

  it('stretches CPU time by the vCPU share of the memory, never below one core', () => {
    expect(cpuBoundMs(10, 512)).toBeCloseTo(34.55078125, 8); // 10 × 1769 / 512
    expect(cpuBoundMs(10, 3538)).toBe(10);
  });

  it('prices SNS mobile push as one publish and one delivery', () => {
    expect(snsPerMillionPushes()).toBeCloseTo(1, 12);
  });
});

describe('bench prices', () => {
  const table = readFileSync(resolve(import.meta.dirname, '../../docs/prices.md'), 'utf8');
  const row = (service: string, billed: string): string =>
    table.split('\n').find((line) => line.startsWith(`| ${service} | ${billed}`)) ?? '';

  it.each([
    ['Lambda (arm64)', 'duration', `$${PRICES.lambdaArmGbSecond.toFixed(10)} per GB-second`],
    ['Lambda', 'requests', `$${PRICES.lambdaRequestsPerMillion.toFixed(2)} per million`],
    ['SQS standard queue', 'requests', `$${PRICES.sqsRequestsPerMillion.toFixed(2)} per million`],
    ['DynamoDB on-demand', 'write', `$${PRICES.dynamodbWriteUnitsPerMillion.toFixed(3)} per million WRU`],
    ['DynamoDB on-demand', 'read', `$${PRICES.dynamodbReadUnitsPerMillion.toFixed(3)} per million RRU`],
    ['CloudWatch Logs', 'ingestion', `$${PRICES.logsIngestionPerGb.toFixed(2)} per GB`],
    ['Secrets Manager', 'API calls', `$${PRICES.secretsCallsPer10k.toFixed(2)} per 10,000`],
    [
      'SNS (for comparison)',
      'mobile push',
      `$${PRICES.snsDeliveryPerMillion.toFixed(2)} per million deliveries plus $${PRICES.snsPublishPerMillion.toFixed(2)} per million publish requests`,
    ],
  ])('matches docs/prices.md: %s %s', (service, billed, price) => {
    expect(row(service, billed)).toContain(price);
  });
});

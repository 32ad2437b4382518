/**
 * Dollars per million pushes from what one push uses: pure arithmetic over bench/lib/prices.ts, so it
 * can be checked by hand (test/unit/bench-cost.test.ts).
 */
import { PRICES, type Prices } from './prices';

/** What one push uses on average, all AWS requests of its call shared among the call's pushes. */
export interface UsagePerPush {
  /** Billed SQS requests: the publisher's sends, the event source mapping's receives and deletes. */
  readonly sqsRequests: number;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Billed Lambda duration × memory. */
  readonly gbSeconds: number;
  readonly invocations: number;
  /** Bytes ingested by CloudWatch Logs. */
  readonly logBytes: number;
  readonly secretsCalls: number;
}

export interface CostParts {
  readonly sqs: number;
  readonly dynamodbRead: number;
  readonly dynamodbWrite: number;
  readonly lambdaDuration: number;
  readonly lambdaRequests: number;
  readonly logs: number;
  readonly secrets: number;
}

export interface PushCost {
  readonly usdPerMillionPushes: number;
  /** $ per million pushes, by what is billed. */
  readonly parts: CostParts;
}

const MILLION = 1_000_000;
/** CloudWatch Logs GB taken as 10⁹ bytes (the higher of the two readings; 2³⁰ would be 7% less). */
const BYTES_PER_GB = 1e9;

export function costPerMillionPushes(usage: UsagePerPush, prices: Prices = PRICES): PushCost {
  const parts: CostParts = {
    sqs: usage.sqsRequests * prices.sqsRequestsPerMillion,
    dynamodbRead: usage.readUnits * prices.dynamodbReadUnitsPerMillion,
    dynamodbWrite: usage.writeUnits * prices.dynamodbWriteUnitsPerMillion,
    lambdaDuration: usage.gbSeconds * prices.lambdaArmGbSecond * MILLION,
    lambdaRequests: usage.invocations * prices.lambdaRequestsPerMillion,
    logs: ((usage.logBytes * MILLION) / BYTES_PER_GB) * prices.logsIngestionPerGb,
    secrets: usage.secretsCalls * MILLION * (prices.secretsCallsPer10k / 10_000),
  };
  const usdPerMillionPushes = Object.values(parts).reduce((sum, part) => sum + part, 0);
  return { usdPerMillionPushes, parts };
}

/** Lambda bills each invocation's duration rounded up to the next ms, times the memory in GB (MB / 1024). */
export function billedGbSeconds(invocationMs: readonly number[], memoryMb: number): number {
  const billedMs = invocationMs.reduce((sum, ms) => sum + Math.max(1, Math.ceil(ms)), 0);
  return (billedMs / 1000) * (memoryMb / 1024);
}

/**
 * Lambda gives a function CPU in proportion to its memory (1,769 MB = one vCPU): the wall time an
 * invocation needs at least, given the CPU time it used on a full core here.
 */
export function cpuBoundMs(cpuMs: number, memoryMb: number): number {
  return cpuMs * Math.max(1, 1769 / memoryMb);
}

/**
 * The credential cache reloads each secret once per `cacheSeconds`, whatever the traffic: calls per
 * push for an environment sending `pushesPerSecond`.
 */
export function secretsCallsPerPush(secrets: number, cacheSeconds: number, pushesPerSecond: number): number {
  return secrets / (cacheSeconds * pushesPerSecond);
}

/** SNS mobile push: one publish and one delivery per push. */
export function snsPerMillionPushes(prices: Prices = PRICES): number {
  return prices.snsPublishPerMillion + prices.snsDeliveryPerMillion;
}

/** A workload's totals as the cost worker measures them. */
export interface MeasuredWorkload {
  readonly pushes: number;
  /** Requests per `service:action`. */
  readonly requests: Readonly<Record<string, number>>;
  readonly readUnits: number;
  readonly writeUnits: number;
  /** Handler wall time of each invocation, ms. */
  readonly invocationMs: readonly number[];
  /** What the function wrote to stdout. */
  readonly stdoutBytes: number;
}

export interface DeploymentAssumptions {
  readonly memoryMb: number;
  /** Lambda's own log lines per invocation, bytes. */
  readonly platformLogBytesPerInvocation: number;
  readonly secretsCallsPerPush: number;
}

/** A workload's totals divided among its pushes; every SQS request counts as one billed request. */
export function usagePerPush(measured: MeasuredWorkload, deployment: DeploymentAssumptions): UsagePerPush {
  const pushes = Math.max(1, measured.pushes);
  const invocations = measured.invocationMs.length;
  const sqsRequests = Object.entries(measured.requests)
    .filter(([key]) => key.startsWith('sqs:'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    sqsRequests: sqsRequests / pushes,
    readUnits: measured.readUnits / pushes,
    writeUnits: measured.writeUnits / pushes,
    gbSeconds: billedGbSeconds(measured.invocationMs, deployment.memoryMb) / pushes,
    invocations: invocations / pushes,
    logBytes: (measured.stdoutBytes + invocations * deployment.platformLogBytesPerInvocation) / pushes,
    secretsCalls: deployment.secretsCallsPerPush,
  };
}

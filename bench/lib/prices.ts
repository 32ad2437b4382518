/**
 * The AWS prices the cost section uses: the numbers of docs/prices.md (US East, on-demand, no free
 * tier), copied by hand. Change both together; test/unit/bench-cost.test.ts checks each one is there.
 */
export const PRICES = {
  /** Lambda arm64 duration, $ per GB-second. */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda requests, $ per million. */
  lambdaRequestsPerMillion: 0.2,
  /** SQS standard queue, $ per million requests (each 64 KB chunk of a payload is one). */
  sqsRequestsPerMillion: 0.4,
  /** DynamoDB on-demand, $ per million write request units. */
  dynamodbWriteUnitsPerMillion: 0.625,
  /** DynamoDB on-demand, $ per million read request units. */
  dynamodbReadUnitsPerMillion: 0.125,
  /** CloudWatch Logs ingestion (Standard class), $ per GB. */
  logsIngestionPerGb: 0.5,
  /** Secrets Manager API calls, $ per 10,000. */
  secretsCallsPer10k: 0.05,
  /** SNS mobile push, $ per million publishes plus $ per million deliveries. */
  snsPublishPerMillion: 0.5,
  snsDeliveryPerMillion: 0.5,
} as const;

export type Prices = { readonly [K in keyof typeof PRICES]: number };

/** How the sender is deployed, as far as its bill goes. */
export const SENDER_DEPLOYMENT = {
  /** infra/config.ts default `senderMemoryMb`. */
  memoryMb: 512,
  /** One GetSecretValue per secret per reload: one APNs secret for the one bundle the bench sends to. */
  secrets: 1,
  /**
   * The bench's guess at a light load on one warm environment, for amortizing the cached secret:
   * it is reloaded once per CREDENTIAL_CACHE_SECONDS whatever the traffic.
   */
  pushesPerEnvironmentSecond: 1,
  /**
   * Lambda's own START, END and REPORT lines per invocation (text log format, as deployed), bytes;
   * they reach CloudWatch Logs beside the function's stdout.
   */
  platformLogBytesPerInvocation: 270,
} as const;

import type { CallEvent } from '../domain/call-event';
import type { Platform, PushKind } from '../domain/device';
import type { CredentialProvider } from '../ports/credential-provider';
import type { DeliveryRecord, DeliveryStore } from '../ports/delivery-store';
import type { DeviceRepository } from '../ports/device-repository';
import type { LogSink } from '../ports/log';
import type { MetricsSink } from '../ports/metrics';
import type { PreparedPush, PushGateways } from '../ports/push-gateway';
import type { DeliveryBatches } from './delivery-batches';

/** Time source, injected so tests control the ring window and backoff without waiting. */
export interface Clock {
  /** ms since epoch */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface FanOutOptions {
  /** Recipients looked up in parallel. */
  readonly lookupConcurrency: number;
  /** Pushes in flight per call. */
  readonly pushConcurrency: number;
  /** How long a claimed (call, device) stays ours; keep it near the function timeout. */
  readonly leaseMs: number;
  /** First retry delay after 429 / 5xx / transport error; doubles per retry, up to backoffCapMs, with jitter. */
  readonly backoffBaseMs: number;
  readonly backoffCapMs: number;
  /** Requests per device per invocation before the rest is left to the SQS redelivery. */
  readonly maxAttempts: number;
  /** A failing push is left to the SQS redelivery only if the call still rings at least this long. */
  readonly redeliveryMinWindowMs: number;
  /** How long APNs may hold a missed-call alert for an offline phone (its apns-expiration). */
  readonly missedCallTtlSeconds: number;
  /**
   * Retry a VoIP push whose transport outcome was ambiguous (`maybeDelivered`: reset, dropped connection,
   * timeout after sending) while the call rings. On by default: a missed call is the worst outcome, and a
   * second push for a call the phone already shows is not a second ring (the app de-duplicates by
   * `callId`). Off (RETRY_AMBIGUOUS_PUSHES=false) is the strict mode: such a push ends `failed` /
   * `ambiguous_delivery`, at most one accepted push per device per call. Each such retry counts
   * AmbiguousRetry. Sender env RETRY_AMBIGUOUS_PUSHES.
   */
  readonly retryAmbiguousPushes: boolean;
  /**
   * Default mode: device results written together in one item of the deliveries table, at most
   * (delivery-batches.ts). About 190 bytes each, and DynamoDB bills a write unit per KB.
   */
  readonly recordBatchSize: number;
  /** Default mode: the longest a device's result waits for its batch to fill before it is written, ms. */
  readonly recordBatchMaxWaitMs: number;
}

export const DEFAULT_FAN_OUT_OPTIONS: FanOutOptions = {
  lookupConcurrency: 16,
  pushConcurrency: 64,
  leaseMs: 30_000,
  backoffBaseMs: 50,
  backoffCapMs: 800,
  maxAttempts: 8,
  redeliveryMinWindowMs: 5_000,
  missedCallTtlSeconds: 86_400,
  retryAmbiguousPushes: true,
  recordBatchSize: 25,
  recordBatchMaxWaitMs: 200,
};

/** The ports the fan-out use case runs on; the handler wires adapters, tests wire fakes. */
export interface FanOutDeps {
  readonly devices: Pick<DeviceRepository, 'listByUser' | 'pruneToken'>;
  /** One push gateway per platform (APNs for iOS). */
  readonly gateways: PushGateways;
  readonly credentials: CredentialProvider;
  readonly deliveries: DeliveryStore;
  readonly clock: Clock;
  readonly log: LogSink;
  readonly metrics: MetricsSink;
  /** [0, 1) for backoff jitter. */
  readonly random: () => number;
  readonly options: FanOutOptions;
}

/** Facts about the queue record that the use case reports or respects. */
export interface FanOutContext {
  /** ms the record waited in SQS. */
  readonly queueDelayMs?: number;
  /** ms since epoch by which this invocation must have stopped sending (function timeout minus margin). */
  readonly deadlineMs?: number;
  /**
   * ms since epoch when the invocation times out. Retries of a delivery-record write stop before it: a
   * function killed by its timeout fails its whole batch and writes neither the log line nor the metric.
   */
  readonly invocationEndMs?: number;
}

/** One call, prepared once and shared by the pushes to all its devices. */
export interface PreparedCall {
  readonly event: CallEvent;
  readonly kind: PushKind;
  /** Retries stop at this moment (ring window end for calls, alert lifetime for missed calls), ms. */
  readonly windowEndMs: number;
  /** Each platform's message of the call, built by its gateway. */
  readonly pushes: Readonly<Record<Platform, PreparedPush>>;
  readonly context: FanOutContext;
  /**
   * The default mode's delivery records of this event's recipients stored with `userId`'s (its read
   * group), read once for the event: (userId, deviceId) → record. Rejects when the store cannot be read.
   */
  readonly recorded: (userId: string) => Promise<ReadonlyMap<string, DeliveryRecord>>;
  /** The default mode's write of this event's results, in batches per read group. */
  readonly results: DeliveryBatches;
}

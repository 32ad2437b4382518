import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseCallEvent, ringWindowEndMs } from '../../shared/domain/call-event';
import { describeError, errorName } from '../../shared/lib/helpers';
import { MetricName } from '../../shared/platform/metric-names';
import { fanOutCall } from '../../shared/use-cases/fan-out-call';
import type { FanOutDeps } from '../../shared/use-cases/fan-out-deps';
import type { DeadLetterSink } from './dead-letter';
import type { RedeliveryScheduler } from './redelivery';

/**
 * The sender's Lambda handler: an SQS batch in, one call fan-out per record, partial batch failures out.
 * A record is reported failed exactly when a redelivery can help (devices deferred while the call still
 * rings, or a lookup failed before anything was sent); a record that can never succeed is rejected with
 * its reason (to the DLQ at once when one is wired). handler.ts wires it for Lambda; the local poller,
 * the bench and the tests pass their own deps.
 */

export interface SenderHandlerDeps extends RecordDeps {
  /** Sending stops this long before the function's timeout so the answers can still be recorded. @default 3000 */
  readonly deadlineMarginMs?: number;
}

export type SenderHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** The handler over the given adapters. Records run in parallel. */
export function createSenderHandler(deps: SenderHandlerDeps): SenderHandler {
  const margin = deps.deadlineMarginMs ?? 3000;
  return async (event, context) => {
    const processor = new BatchProcessor(EventType.SQS);
    const invocationEndMs = deps.fanOut.clock.now() + context.getRemainingTimeInMillis();
    const deadlineMs = invocationEndMs - margin;
    try {
      return await processPartialResponse(
        event,
        (record: SQSRecord) => processRecord(deps, record, deadlineMs, invocationEndMs),
        processor,
        { context, throwOnFullBatchFailure: false },
      );
    } finally {
      deps.fanOut.metrics.flush();
    }
  };
}

/** How soon a deferred record comes back: well inside any ring window (1-120 s). */
export const REDELIVERY_DELAY_SECONDS = 1;

export interface RecordDeps {
  readonly fanOut: FanOutDeps;
  /** Set (DLQ_URL): malformed records go straight to the DLQ. Unset: they stay for SQS's redrive. */
  readonly deadLetters?: DeadLetterSink;
  /** Set (CALL_QUEUE_URL): a deferred record comes back after REDELIVERY_DELAY_SECONDS, not the queue's timeout. */
  readonly redelivery?: RedeliveryScheduler;
}

/** One SQS record → one call fan-out. Throws exactly when the record should be delivered again. */
export async function processRecord(
  deps: RecordDeps,
  record: SQSRecord,
  deadlineMs: number,
  invocationEndMs?: number,
): Promise<void> {
  const { log, metrics, clock } = deps.fanOut;
  const sentAt = Number(record.attributes?.SentTimestamp);
  const queueDelayMs = Number.isFinite(sentAt) ? Math.max(0, clock.now() - sentAt) : undefined;
  if (queueDelayMs !== undefined) metrics.milliseconds(MetricName.QueueDelay, queueDelayMs);
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount) || undefined;

  const parsed = parseCallEvent(record.body);
  if (!parsed.ok) return reject(deps, record, parsed.reason, parsed.details);
  const { event } = parsed;
  let result: Awaited<ReturnType<typeof fanOutCall>>;
  try {
    result = await fanOutCall(deps.fanOut, event, {
      ...(queueDelayMs === undefined ? {} : { queueDelayMs }),
      ...(invocationEndMs === undefined ? {} : { invocationEndMs }),
      deadlineMs,
    });
  } catch (error) {
    log.error('call fan-out failed, record left for redelivery', {
      callId: event.callId,
      messageId: record.messageId,
      receiveCount,
      error: describeError(error),
    });
    // Nothing certain was sent (a lookup failed: DynamoDB down, throttled): back in seconds while the
    // call rings, spaced so its few receives outlast a short outage, not after the queue's timeout.
    const delaySeconds = failureRetrySeconds(receiveCount);
    const ringsUntil = event.type === 'incoming_call' ? ringWindowEndMs(event) : Number.POSITIVE_INFINITY;
    if (clock.now() + delaySeconds * 1000 < ringsUntil)
      await bringBackSoon(deps, record, event.callId, delaySeconds);
    throw error;
  }
  if (result.kind === 'rejected') return reject(deps, record, result.reason, result.details, event.callId);

  const counts: Record<string, number> = {};
  for (const o of result.outcomes) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
  log.info('call fanned out', {
    callId: event.callId,
    type: event.type,
    messageId: record.messageId,
    receiveCount,
    queueDelayMs,
    devices: result.outcomes.length,
    outcomes: counts,
  });
  if (result.retryLater) {
    await bringBackSoon(deps, record, event.callId, REDELIVERY_DELAY_SECONDS);
    throw new RetryLaterError(event.callId, counts.deferred ?? 0);
  }
}

/**
 * A record that can never succeed. With a DLQ sink it is moved there at once, the reason riding along as
 * message attributes, and the original is deleted (reported as success): no wasted receives, one
 * EventRejected per record. Without one, or if the move fails, it is reported failed and SQS redrives it
 * after maxReceiveCount; every receive logs the reason again. Either way it never blocks its batch and
 * never disappears without a recorded reason.
 */
async function reject(
  deps: RecordDeps,
  record: SQSRecord,
  reason: string,
  details: readonly string[],
  callId?: string,
): Promise<void> {
  const { log, metrics } = deps.fanOut;
  metrics.count(MetricName.EventRejected);
  const context = {
    messageId: record.messageId,
    callId,
    reason,
    details,
    receiveCount: Number(record.attributes?.ApproximateReceiveCount) || undefined,
  };
  if (deps.deadLetters) {
    try {
      await deps.deadLetters.forward(record, reason, details);
      log.error('event rejected', { ...context, disposition: 'moved_to_dlq' });
      return;
    } catch (error) {
      log.error('moving a rejected event to the DLQ failed', {
        messageId: record.messageId,
        error: errorName(error),
      });
    }
  }
  log.error('event rejected', { ...context, disposition: 'left_for_redrive' });
  throw new EventRejectedError(reason);
}

/**
 * Seconds until a record whose fan-out failed comes back: 2, 6, 18 ... by receive, so the queue's three
 * receives span 8 s (an outage of a few seconds) rather than three in a row.
 */
export function failureRetrySeconds(receiveCount: number | undefined): number {
  return 2 * 3 ** Math.max(0, (receiveCount ?? 1) - 1);
}

/** Shortens the record's visibility so its redelivery comes while the call still rings; best effort. */
async function bringBackSoon(
  deps: RecordDeps,
  record: SQSRecord,
  callId: string,
  delaySeconds: number,
): Promise<void> {
  if (!deps.redelivery) return;
  try {
    await deps.redelivery.soon(record, delaySeconds);
  } catch (error) {
    deps.fanOut.log.warn('shortening the visibility of a deferred record failed', {
      callId,
      messageId: record.messageId,
      error: errorName(error),
    });
  }
}

/** The record could not be finished now but can later (lease held, APNs failing while the call rings). */
export class RetryLaterError extends Error {
  constructor(callId: string, deferred: number) {
    super(`call ${callId}: ${deferred} device(s) left to a redelivery`);
    this.name = 'RetryLaterError';
  }
}

/** A malformed record that stays on its queue so SQS redrives it to the DLQ after maxReceiveCount. */
export class EventRejectedError extends Error {
  constructor(readonly reason: string) {
    super(`event rejected: ${reason}`);
    this.name = 'EventRejectedError';
  }
}

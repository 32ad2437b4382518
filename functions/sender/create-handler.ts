import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { processRecord, type RecordDeps } from './process-record';

export interface SenderHandlerDeps extends RecordDeps {
  /** Sending stops this long before the function's timeout so the answers can still be recorded. @default 3000 */
  readonly deadlineMarginMs?: number;
}

export type SenderHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/**
 * The sender's Lambda handler over the given adapters (Lambda wiring in handler.ts; tests and the local
 * poller pass their own). Records run in parallel; a record is reported in `batchItemFailures` only when
 * a redelivery can help (see processRecord).
 */
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

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

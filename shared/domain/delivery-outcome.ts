/**
 * What became of one device of one call in one attempt. Every device gets exactly one outcome.
 * The first six are terminal. `deferred` is not: this attempt could not finish the device (another worker
 * holds its lease, or APNs kept failing while the call still rings) and the SQS redelivery of the same
 * record will give it its terminal outcome.
 */
export type OutcomeKind =
  | 'delivered'
  | 'expired'
  | 'pruned'
  | 'failed'
  | 'duplicate'
  | 'no_token'
  | 'deferred';

export const TERMINAL_OUTCOMES: readonly OutcomeKind[] = [
  'delivered',
  'expired',
  'pruned',
  'failed',
  'duplicate',
  'no_token',
];

export interface DeviceOutcome {
  readonly userId: string;
  readonly deviceId: string;
  readonly outcome: OutcomeKind;
  /**
   * For `failed`: APNs' reason (`BadTopic`, ...) or ours (`no_credential`, `retries_exhausted`,
   * `lease_lost`, `internal_error`). For `delivered`: `environment_mismatch` when only the other host took it.
   * For `deferred`: `lease_held`, `retries_exhausted` or `internal_error`.
   */
  readonly reason?: string;
  readonly apnsId?: string;
  readonly statusCode?: number;
  /** Requests sent to APNs for this device in this attempt. */
  readonly attempts: number;
}

/** The value of the PushOutcome metric's Reason dimension: the failure reason, else the outcome. */
export function outcomeReason(outcome: DeviceOutcome): string {
  if (outcome.outcome === 'failed' || outcome.outcome === 'deferred') {
    return `${outcome.outcome}:${outcome.reason ?? 'unknown'}`;
  }
  return outcome.reason ? `${outcome.outcome}:${outcome.reason}` : outcome.outcome;
}

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
   * `lease_lost`, `internal_error`, `ambiguous_delivery`). For `duplicate`: `ambiguous_delivery` when the
   * earlier attempt ended ambiguous (APNs may have taken it), none when APNs accepted it. For `delivered`: `environment_mismatch` when only the other host took it.
   * For `deferred`: `lease_held`, `retries_exhausted` or `internal_error`.
   */
  readonly reason?: string;
  readonly apnsId?: string;
  readonly statusCode?: number;
  /** Requests sent to APNs for this device in this attempt. */
  readonly attempts: number;
}

/**
 * A VoIP push whose transport outcome was ambiguous (connection dropped, stream reset or answer timed
 * out after the request went out: APNs may have accepted it). Not retried unless retryAmbiguousPushes is
 * set, and never sent again by a later delivery of the event: at most one accepted VoIP push per device
 * per call (docs/contracts.md, what counts as a ring).
 */
export const AMBIGUOUS_DELIVERY = 'ambiguous_delivery';

/** The value of the PushOutcome metric's Reason dimension: the failure reason, else the outcome. */
export function outcomeReason(outcome: DeviceOutcome): string {
  if (outcome.outcome === 'failed' || outcome.outcome === 'deferred') {
    return `${outcome.outcome}:${outcome.reason ?? 'unknown'}`;
  }
  return outcome.reason ? `${outcome.outcome}:${outcome.reason}` : outcome.outcome;
}

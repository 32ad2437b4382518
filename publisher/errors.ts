/** One problem with one field of a call event; `field` is a dotted path (`caller.id`, `recipients.3`). */
export interface CallEventProblem {
  readonly field: string;
  readonly problem: string;
}

/**
 * A call event the sender would reject, refused before anything was sent. `index` is the event's
 * position in the array given to `publishCalls` (absent for a single-event call).
 */
export class CallEventValidationError extends Error {
  override readonly name = 'CallEventValidationError';
  readonly field: string;

  constructor(
    readonly problems: readonly [CallEventProblem, ...CallEventProblem[]],
    readonly index?: number,
  ) {
    const where = index === undefined ? 'call event' : `call event [${index}]`;
    super(`${where} is invalid: ${problems.map((p) => `${p.field}: ${p.problem}`).join('; ')}`);
    this.field = problems[0].field;
  }
}

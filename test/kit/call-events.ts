import type { CallEvent } from '../../shared/domain/call-event';

/** The kit's call: created at this moment, ringing 30 s. */
export const CALL_CREATED_AT = '2026-11-28T10:00:00.000Z';

/** A parsed incoming call (the example of docs/contracts.md); override any field. */
export function aCallEvent(overrides: Partial<CallEvent> = {}): CallEvent {
  return {
    version: 1,
    type: 'incoming_call',
    callId: 'call-1',
    recipients: ['user-1'],
    caller: { id: 'user-9', displayName: 'Ada' },
    media: 'audio',
    createdAt: CALL_CREATED_AT,
    ringTimeoutSeconds: 30,
    data: { room: 'r-1' },
    ...overrides,
  };
}

/**
 * The smallest valid incoming call as call-control publishes it (created now, the parser's defaults for
 * media and ring timeout), with `overrides` on top; a field set to undefined is left out.
 */
export function aCallEventInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    type: 'incoming_call',
    callId: 'call-1',
    recipients: ['user-1'],
    caller: { id: 'user-9' },
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}

/** `aCallEventInput(overrides)` as a queue record body. */
export function aCallBody(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(aCallEventInput(overrides));
}

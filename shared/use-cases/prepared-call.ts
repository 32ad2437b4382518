import type { CallEvent } from '../domain/call-event';
import type { PushType } from '../domain/push-payload';
import type { FanOutContext } from './fan-out-deps';

/** One call, prepared once and shared by the pushes to all its devices. */
export interface PreparedCall {
  readonly event: CallEvent;
  readonly pushType: PushType;
  readonly payload: string;
  /** Retries stop at this moment (ring window end for calls, alert lifetime for missed calls), ms. */
  readonly windowEndMs: number;
  /** apns-expiration, epoch seconds. */
  readonly expiration: number;
  readonly context: FanOutContext;
}

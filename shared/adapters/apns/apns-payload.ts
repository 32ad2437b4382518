import { type CallEvent, callPayloadFields, pushKindOf } from '../../domain/call-event';
import type { PushKind } from '../../domain/device';

/** APNs payload limits (docs/contracts.md, call event): 5120 bytes for VoIP, 4096 for everything else. */
export const VOIP_PAYLOAD_LIMIT_BYTES = 5120;
export const ALERT_PAYLOAD_LIMIT_BYTES = 4096;

export type BuildPayloadResult =
  | { readonly ok: true; readonly pushType: PushKind; readonly payload: string; readonly bytes: number }
  | {
      readonly ok: false;
      readonly reason: 'payload_too_large';
      readonly pushType: PushKind;
      readonly bytes: number;
      readonly limit: number;
    };

/**
 * Builds the one APNs payload sent to every iOS device of the call: the call's payload fields, with an
 * `aps` alert for a missed call. An event whose payload does not fit is rejected as a whole: a truncated
 * caller or `data` would ring with the wrong information. Pure: the publisher checks events with it too.
 */
export function buildApnsPayload(event: CallEvent): BuildPayloadResult {
  const pushType = pushKindOf(event);
  const body = {
    ...(pushType === 'alert' ? { aps: { alert: missedCallAlert(event), sound: 'default' } } : {}),
    ...callPayloadFields(event),
  };
  const payload = JSON.stringify(body);
  const bytes = Buffer.byteLength(payload, 'utf8');
  const limit = pushType === 'voip' ? VOIP_PAYLOAD_LIMIT_BYTES : ALERT_PAYLOAD_LIMIT_BYTES;
  if (bytes > limit) return { ok: false, reason: 'payload_too_large', pushType, bytes, limit };
  return { ok: true, pushType, payload, bytes };
}

function missedCallAlert(event: CallEvent): { title: string; body: string } {
  const who = event.caller.displayName ?? event.caller.handle ?? 'Unknown caller';
  const title = event.media === 'video' ? 'Missed video call' : 'Missed call';
  return { title, body: who };
}

import type { CallEvent } from './call-event';

/** APNs payload limits (apns-reference, Request): 5120 bytes for VoIP, 4096 for everything else. */
export const VOIP_PAYLOAD_LIMIT_BYTES = 5120;
export const ALERT_PAYLOAD_LIMIT_BYTES = 4096;

export type PushType = 'voip' | 'alert';

export type BuildPayloadResult =
  | { readonly ok: true; readonly pushType: PushType; readonly payload: string; readonly bytes: number }
  | {
      readonly ok: false;
      readonly reason: 'payload_too_large';
      readonly pushType: PushType;
      readonly bytes: number;
      readonly limit: number;
    };

/** incoming_call rings through PushKit; missed_call is a standard alert (Apple: no VoIP push for cancellations). */
export function pushTypeOf(event: CallEvent): PushType {
  return event.type === 'incoming_call' ? 'voip' : 'alert';
}

/**
 * Builds the one payload sent to every device of the call. It carries `callId` so the app can drop a late
 * or repeated push. An event whose payload does not fit is rejected as a whole: a truncated caller or
 * `data` would ring with the wrong information.
 */
export function buildPushPayload(event: CallEvent): BuildPayloadResult {
  const pushType = pushTypeOf(event);
  const body = {
    ...(pushType === 'alert' ? { aps: { alert: missedCallAlert(event), sound: 'default' } } : {}),
    type: event.type,
    callId: event.callId,
    caller: event.caller,
    media: event.media,
    createdAt: event.createdAt,
    ...(event.data === undefined ? {} : { data: event.data }),
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

import { type CallEvent, ringWindowEndMs } from './call-event';

/** FCM's limit on a message's payload: the keys and values of `data` plus the notification's text. */
export const FCM_PAYLOAD_LIMIT_BYTES = 4096;

/** An incoming call with less than this left of its ring window is not sent to Android (expired). */
export const MIN_RING_LEFT_MS = 1000;

/** The `message` object of FCM HTTP v1 `messages:send`, as far as the sender uses it. */
export interface FcmMessage {
  /** The device's FCM registration token, as registered (case-sensitive). */
  readonly token: string;
  /** FCM allows string values only: nested values are JSON-encoded. */
  readonly data: Readonly<Record<string, string>>;
  readonly notification?: { readonly title: string; readonly body: string };
  readonly android: {
    readonly priority: 'HIGH' | 'NORMAL';
    /** `<seconds>s`: FCM drops the message once it is this old. */
    readonly ttl?: string;
    readonly collapse_key?: string;
  };
}

export type BuildFcmMessageResult =
  | {
      readonly ok: true;
      readonly message: FcmMessage;
      /** Payload bytes as FCM counts them (data keys and values, notification title and body). */
      readonly payloadBytes: number;
      /** incoming_call: the ttl sent, whole seconds. */
      readonly ttlSeconds?: number;
    }
  /** incoming_call with less than a second of its ring window left: not sent. */
  | { readonly ok: false; readonly reason: 'expired'; readonly msLeft: number }
  /** Over FCM's limit: the event is rejected whole, never truncated. */
  | {
      readonly ok: false;
      readonly reason: 'payload_too_large';
      readonly bytes: number;
      readonly limit: number;
    };

/**
 * Builds the FCM message of one call for one Android device at time `nowMs`. The Android twin of
 * `buildPushPayload`: `incoming_call` is a high-priority data message with the same top-level fields as
 * the iOS payload and `ttl` = what is left of the ring window, rounded up; `missed_call` is a
 * normal-priority message that shows a notification, collapsed by callId.
 */
export function buildFcmMessage(event: CallEvent, token: string, nowMs: number): BuildFcmMessageResult {
  if (event.type === 'missed_call') {
    const notification = missedCallNotification(event);
    const data = { type: event.type, callId: event.callId };
    return sized(
      { token, data, notification, android: { priority: 'NORMAL', collapse_key: event.callId } },
      undefined,
    );
  }
  const msLeft = ringWindowEndMs(event) - nowMs;
  if (msLeft < MIN_RING_LEFT_MS) return { ok: false, reason: 'expired', msLeft };
  const ttlSeconds = Math.ceil(msLeft / 1000);
  const data: Record<string, string> = {
    type: event.type,
    callId: event.callId,
    caller: JSON.stringify(event.caller),
    media: event.media,
    createdAt: event.createdAt,
  };
  if (event.data !== undefined) data.data = JSON.stringify(event.data);
  return sized({ token, data, android: { priority: 'HIGH', ttl: `${ttlSeconds}s` } }, ttlSeconds);
}

/** Payload bytes as FCM counts them: every data key and value, and the notification's title and body. */
export function fcmPayloadBytes(message: Pick<FcmMessage, 'data' | 'notification'>): number {
  let bytes = 0;
  for (const key in message.data) {
    bytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(message.data[key] as string, 'utf8');
  }
  if (message.notification !== undefined) {
    bytes += Buffer.byteLength(message.notification.title, 'utf8');
    bytes += Buffer.byteLength(message.notification.body, 'utf8');
  }
  return bytes;
}

function sized(message: FcmMessage, ttlSeconds: number | undefined): BuildFcmMessageResult {
  const payloadBytes = fcmPayloadBytes(message);
  if (payloadBytes > FCM_PAYLOAD_LIMIT_BYTES) {
    return { ok: false, reason: 'payload_too_large', bytes: payloadBytes, limit: FCM_PAYLOAD_LIMIT_BYTES };
  }
  return ttlSeconds === undefined
    ? { ok: true, message, payloadBytes }
    : { ok: true, message, payloadBytes, ttlSeconds };
}

/** The same words as the iOS missed-call alert. */
function missedCallNotification(event: CallEvent): { title: string; body: string } {
  const who = event.caller.displayName ?? event.caller.handle ?? 'Unknown caller';
  return { title: event.media === 'video' ? 'Missed video call' : 'Missed call', body: who };
}

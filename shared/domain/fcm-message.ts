import { type CallEvent, callPayloadFields, ringWindowEndMs } from './call-event';

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

/** One call's FCM message without the device's token and the send-time ttl: built once per call. */
export interface FcmCallPayload {
  readonly data: Readonly<Record<string, string>>;
  readonly notification?: { readonly title: string; readonly body: string };
  readonly priority: 'HIGH' | 'NORMAL';
  readonly collapseKey?: string;
  /** incoming_call: a ttl is sent, the rest of the ring window; missed_call: FCM's default. */
  readonly ringing: boolean;
  /** Payload bytes as FCM counts them (data keys and values, notification title and body). */
  readonly payloadBytes: number;
}

export type BuildFcmPayloadResult =
  | { readonly ok: true; readonly payload: FcmCallPayload }
  /** Over FCM's limit: the event is rejected whole, never truncated. */
  | {
      readonly ok: false;
      readonly reason: 'payload_too_large';
      readonly bytes: number;
      readonly limit: number;
    };

export type FcmMessageResult =
  | {
      readonly ok: true;
      readonly message: FcmMessage;
      /** incoming_call: the ttl sent, whole seconds. */
      readonly ttlSeconds?: number;
    }
  /** incoming_call with less than a second of its ring window left: not sent. */
  | { readonly ok: false; readonly reason: 'expired'; readonly msLeft: number };

export type BuildFcmMessageResult =
  | (Extract<FcmMessageResult, { ok: true }> & { readonly payloadBytes: number })
  | Extract<FcmMessageResult, { ok: false }>
  | Extract<BuildFcmPayloadResult, { ok: false }>;

/**
 * The FCM payload of one call, the Android twin of `buildApnsPayload`: `incoming_call` is a
 * high-priority data message with the same top-level fields as the iOS payload (nested values as JSON
 * strings, numbers as their decimal text); `missed_call` is a normal-priority message that shows a
 * notification, collapsed by callId. Pure: the publisher checks events with it too.
 */
export function buildFcmPayload(event: CallEvent): BuildFcmPayloadResult {
  let payload: Omit<FcmCallPayload, 'payloadBytes'>;
  if (event.type === 'missed_call') {
    payload = {
      data: { type: event.type, callId: event.callId },
      notification: missedCallNotification(event),
      priority: 'NORMAL',
      collapseKey: event.callId,
      ringing: false,
    };
  } else {
    const data: Record<string, string> = {};
    for (const [key, value] of Object.entries(callPayloadFields(event))) {
      data[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    payload = { data, priority: 'HIGH', ringing: true };
  }
  const payloadBytes = fcmPayloadBytes(payload);
  if (payloadBytes > FCM_PAYLOAD_LIMIT_BYTES) {
    return { ok: false, reason: 'payload_too_large', bytes: payloadBytes, limit: FCM_PAYLOAD_LIMIT_BYTES };
  }
  return { ok: true, payload: { ...payload, payloadBytes } };
}

/**
 * The message of one payload for one device at `nowMs`: a ringing message's `ttl` is what is left
 * until `expiresAtMs` (the end of the ring window), rounded up; with less than a second left it is
 * not sent.
 */
export function fcmMessageFor(
  payload: FcmCallPayload,
  token: string,
  expiresAtMs: number,
  nowMs: number,
): FcmMessageResult {
  const { data, notification } = payload;
  if (!payload.ringing) {
    const android = {
      priority: payload.priority,
      ...(payload.collapseKey === undefined ? {} : { collapse_key: payload.collapseKey }),
    };
    return { ok: true, message: { token, data, ...(notification ? { notification } : {}), android } };
  }
  const msLeft = expiresAtMs - nowMs;
  if (msLeft < MIN_RING_LEFT_MS) return { ok: false, reason: 'expired', msLeft };
  const ttlSeconds = Math.ceil(msLeft / 1000);
  return {
    ok: true,
    message: { token, data, android: { priority: payload.priority, ttl: `${ttlSeconds}s` } },
    ttlSeconds,
  };
}

/** Both steps for one device at `nowMs`, the ring window taken from the event. */
export function buildFcmMessage(event: CallEvent, token: string, nowMs: number): BuildFcmMessageResult {
  const built = buildFcmPayload(event);
  if (!built.ok) return built;
  const result = fcmMessageFor(built.payload, token, ringWindowEndMs(event), nowMs);
  return result.ok ? { ...result, payloadBytes: built.payload.payloadBytes } : result;
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

/** The same words as the iOS missed-call alert. */
function missedCallNotification(event: CallEvent): { title: string; body: string } {
  const who = event.caller.displayName ?? event.caller.handle ?? 'Unknown caller';
  return { title: event.media === 'video' ? 'Missed video call' : 'Missed call', body: who };
}

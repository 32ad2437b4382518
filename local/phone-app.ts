/**
 * What the sample apps (`examples/ios`, `examples/android`) do with one push, without the phone around
 * them: read the push, then decide whether it rings. A phone rings once per call: it remembers the
 * callIds it rang (`SeenCalls` in both samples, 10 minutes), and a push for a call that is already over
 * (its ring window passed, or it rang before) is reported and ended at once (iOS) or dropped (Android),
 * never rung. `local/phones.ts` feeds it the pushes the simulators accepted.
 */
import { tokenHash } from '../shared/domain/token-hash';

export type PhonePlatform = 'ios' | 'android';

/**
 * What the phone did with a push:
 * - `rang`: the first push of a call inside its ring window; the phone rings (CallKit / Telecom).
 * - `duplicate`: this phone already rang the call; iOS reports it to CallKit and ends it at once.
 * - `late`: the ring window was over when it arrived; reported and ended at once (iOS) or dropped.
 * - `alert`: a missed-call alert (APNs alert push, FCM notification message): shown, never rings.
 * - `not-a-call`: a VoIP push or data message without a usable call; iOS reports and ends it.
 */
export type PushDisposition = 'rang' | 'duplicate' | 'late' | 'alert' | 'not-a-call';

/** One push as the app sees it when it arrives. */
export interface ArrivedPush {
  readonly platform: PhonePlatform;
  /** The token it was sent to (lower-case hex for APNs, as given for FCM). Never log it. */
  readonly token: string;
  /** When the platform took it, ms since epoch: the moment it reaches the phone here. */
  readonly at: number;
  readonly kind: 'call' | 'alert' | 'other';
  readonly callId?: string;
  /** End of the ring window as the app computes it; undefined when the push does not say. */
  readonly ringsUntilMs?: number;
  /** APNs' `apns-id` or FCM's message name. */
  readonly pushId?: string;
}

/** The samples' window when the payload carries no `ringTimeoutSeconds` (the call event's default). */
export const DEFAULT_RING_SECONDS = 30;
/** How long the samples remember a callId they rang (longer than any ring window, at most 120 s). */
export const REMEMBER_CALLS_MS = 10 * 60_000;

/** A push the APNs simulator accepted (`AcceptedPush` of `local/apns-simulator` fits). */
export interface ApnsPushLike {
  readonly token: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: unknown;
  readonly receivedAt: number;
}

/** A message the FCM simulator accepted (`AcceptedMessage` of `local/fcm-simulator` fits). */
export interface FcmMessageLike {
  readonly name: string;
  readonly token: string;
  readonly message: Readonly<Record<string, unknown>>;
  readonly receivedAt: number;
}

const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

function windowFrom(createdAt: unknown, seconds: number): number | undefined {
  const created = typeof createdAt === 'string' ? Date.parse(createdAt) : Number.NaN;
  return Number.isFinite(created) ? created + seconds * 1000 : undefined;
}

/** The iOS app's reading (`IncomingCall.swift`): VoIP pushes carry the call at the payload's top level. */
export function readApnsPush(push: ApnsPushLike): ArrivedPush {
  const payload = record(push.payload);
  const callId = text(payload.callId);
  const voip = push.headers['apns-push-type'] === 'voip';
  const timeout =
    typeof payload.ringTimeoutSeconds === 'number' ? payload.ringTimeoutSeconds : DEFAULT_RING_SECONDS;
  const ringsUntilMs = windowFrom(payload.createdAt, timeout);
  const pushId = push.headers['apns-id'];
  return {
    platform: 'ios',
    token: push.token.toLowerCase(),
    at: push.receivedAt,
    kind: !voip ? 'alert' : payload.type === 'incoming_call' && callId ? 'call' : 'other',
    ...(callId ? { callId } : {}),
    ...(ringsUntilMs === undefined ? {} : { ringsUntilMs }),
    ...(pushId ? { pushId } : {}),
  };
}

/**
 * The Android app's reading (`IncomingCallPush.kt`): data values are strings; the ring window ends at
 * FCM's send time plus the message's TTL, or `createdAt` + 30 s without a TTL.
 */
export function readFcmMessage(accepted: FcmMessageLike): ArrivedPush {
  const data = record(accepted.message.data);
  const callId = text(data.callId);
  const ttl = /^(\d+(?:\.\d+)?)s$/.exec(String(record(accepted.message.android).ttl ?? ''));
  const ttlSeconds = ttl ? Number(ttl[1]) : 0;
  const ringsUntilMs =
    ttlSeconds > 0
      ? accepted.receivedAt + ttlSeconds * 1000
      : windowFrom(data.createdAt, DEFAULT_RING_SECONDS);
  const usable = data.type === 'incoming_call' && callId !== undefined && ringsUntilMs !== undefined;
  return {
    platform: 'android',
    token: accepted.token,
    at: accepted.receivedAt,
    kind: usable ? 'call' : data.type === 'missed_call' ? 'alert' : 'other',
    ...(callId ? { callId } : {}),
    ...(ringsUntilMs === undefined ? {} : { ringsUntilMs }),
    pushId: accepted.name,
  };
}

/**
 * The callIds each phone rang (both samples' `SeenCalls`), by (platform, token), for `rememberMs`. The
 * clock is the push's own arrival time, so a replay decides the same way.
 */
export class PhoneMemory {
  private readonly seen = new Map<string, number>();
  private sweepAt = 1024;

  constructor(private readonly rememberMs = REMEMBER_CALLS_MS) {}

  /** What the app does with `push`; remembers the call when the app would. */
  decide(push: ArrivedPush): PushDisposition {
    if (push.kind === 'alert') return 'alert';
    if (push.kind === 'other' || push.callId === undefined) return 'not-a-call';
    const over = push.ringsUntilMs === undefined || push.at >= push.ringsUntilMs;
    const key = `${push.platform}\u0000${push.token}\u0000${push.callId}`;
    if (push.platform === 'android') {
      // IncomingCalls: the window first (a late message is not remembered), then SeenCalls.firstTime.
      if (over) return 'late';
      return this.firstTime(key, push.at) ? 'rang' : 'duplicate';
    }
    // VoipPushHandler: SeenCalls.firstTime first, then CallManager ends a repeat or a call that is over.
    const first = this.firstTime(key, push.at);
    if (!first) return 'duplicate';
    return over ? 'late' : 'rang';
  }

  private firstTime(key: string, at: number): boolean {
    const seenAt = this.seen.get(key);
    if (seenAt !== undefined && at - seenAt <= this.rememberMs) return false;
    this.seen.set(key, at);
    if (this.seen.size >= this.sweepAt) this.sweep(at);
    return true;
  }

  /** Forgets what the apps have forgotten too; keeps the map as small as the last `rememberMs`. */
  private sweep(now: number): void {
    for (const [key, at] of this.seen) if (now - at > this.rememberMs) this.seen.delete(key);
    this.sweepAt = Math.max(1024, this.seen.size * 2);
  }
}

/** One push as a phone recorded it: what arrived and what the app did with it. No token, only its hash. */
export interface PhonePushRecord {
  readonly at: number;
  readonly platform: PhonePlatform;
  readonly tokenHash: string;
  readonly callId?: string;
  readonly userId?: string;
  readonly deviceId?: string;
  readonly pushId?: string;
  readonly disposition: PushDisposition;
}

/** Who holds the token a push went to, as the phone knows itself. */
export interface PhoneOwner {
  readonly userId: string;
  readonly deviceId: string;
}

/**
 * Every push the phones got, in arrival order, with the app's decision (`PhoneMemory`), and the rings
 * per (device, call): the count the conservation check reads.
 */
export class PhoneRecorder {
  private readonly memory: PhoneMemory;
  private readonly list: PhonePushRecord[] = [];

  constructor(rememberMs = REMEMBER_CALLS_MS) {
    this.memory = new PhoneMemory(rememberMs);
  }

  receive(push: ArrivedPush, owner?: PhoneOwner): PhonePushRecord {
    const record: PhonePushRecord = {
      at: push.at,
      platform: push.platform,
      tokenHash: tokenHash(push.token),
      disposition: this.memory.decide(push),
      ...(push.callId === undefined ? {} : { callId: push.callId }),
      ...(owner ? { userId: owner.userId, deviceId: owner.deviceId } : {}),
      ...(push.pushId === undefined ? {} : { pushId: push.pushId }),
    };
    this.list.push(record);
    return record;
  }

  /** Everything received so far, oldest first. */
  records(): readonly PhonePushRecord[] {
    return this.list;
  }

  /** Rings of one call on the phone holding `token`. */
  rings(callId: string, token: string): number {
    const hash = tokenHash(token);
    return this.list.filter((r) => r.disposition === 'rang' && r.callId === callId && r.tokenHash === hash)
      .length;
  }
}

/** The phones of a test: every push a simulator accepted, read and decided in arrival order. */
export function phonesFor(pushes: {
  readonly apns?: readonly ApnsPushLike[];
  readonly fcm?: readonly FcmMessageLike[];
}): PhoneRecorder {
  const arrived = [...(pushes.apns ?? []).map(readApnsPush), ...(pushes.fcm ?? []).map(readFcmMessage)];
  const recorder = new PhoneRecorder();
  for (const push of arrived.sort((a, b) => a.at - b.at)) recorder.receive(push);
  return recorder;
}

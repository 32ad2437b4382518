/**
 * What the console's HTTP API and its server-sent events carry; shared by the server and the page (no
 * Node imports here). Tokens appear only as `tokenHash` (shared/domain/token-hash.ts), never raw.
 */

/** `ios` (APNs) today; a second provider adds its own name (`android` for FCM). */
export type Platform = string;

/** One request the sender made for a push (one `push attempt` log line). */
export interface AttemptView {
  readonly attempt: number;
  /** ISO-8601, when the sender logged it. */
  readonly at: string;
  readonly statusCode?: number;
  readonly reason?: string;
  readonly outcome: string;
  /** Time to the provider's answer (APNs, FCM). */
  readonly providerLatencyMs?: number;
  /** APNs' apns-id, FCM's message name. */
  readonly providerId?: string;
}

/** One push of one call to one device token, joined from the sender's log, the provider and the phone. */
export interface PushRow {
  /** `callId|tokenHash|pushType`. */
  readonly key: string;
  readonly callId: string;
  readonly platform: Platform;
  /** `voip` (incoming_call) or `alert` (missed_call). */
  readonly pushType: string;
  readonly tokenHash: string;
  readonly userId?: string;
  readonly deviceId?: string;
  readonly bundleId?: string;
  readonly environment?: string;
  /** ISO-8601 of the first thing seen of this push. */
  readonly firstAt: string;
  /** The request as the provider's simulator received it (absent for a real provider or a failed push). */
  readonly request?: {
    readonly headers: Readonly<Record<string, string>>;
    readonly payload: unknown;
    readonly receivedAt: string;
  };
  /** The last attempt's answer. */
  readonly answer?: { readonly statusCode?: number; readonly reason?: string; readonly providerId?: string };
  readonly outcome?: string;
  readonly attempts: readonly AttemptView[];
  /** Attempts after the first. */
  readonly retries: number;
  readonly latency: {
    /** Queue delay of the call event (sender's queueDelayMs). */
    readonly queueMs?: number;
    /** The last attempt's time to the provider's answer. */
    readonly providerMs?: number;
    /** From the call's createdAt to the accepted answer. */
    readonly deliveryMs?: number;
    /** From the provider accepting to the phone's first receipt. */
    readonly phoneMs?: number;
  };
}

export interface PhoneReceiptView {
  readonly stage: 'received' | 'reported';
  readonly statusCode: number;
  readonly at: string;
  readonly phoneLatencyMs?: number;
  readonly endToEndMs?: number;
}

/** What one phone (one device of one user) saw of one call. */
export interface PhoneRow {
  /** `callId|userId|deviceId`. */
  readonly key: string;
  readonly callId: string;
  readonly userId: string;
  readonly deviceId: string;
  readonly platform: Platform;
  /** Pushes received, by push type (`voip`, `alert`). */
  readonly pushes: Readonly<Record<string, number>>;
  readonly firstPushAt: string;
  /** Times the phone rang for this call. */
  readonly rings: number;
  readonly rangAt?: string;
  /** The phone stayed silent on purpose (PHONE_RECEIPT_DROP_RATE). */
  readonly dropped: boolean;
  readonly receipts: readonly PhoneReceiptView[];
}

export interface Distribution {
  readonly count: number;
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
  readonly max?: number;
  /** Counts per bucket; `upToMs: null` is the open last bucket. */
  readonly buckets: readonly { readonly upToMs: number | null; readonly count: number }[];
}

export interface LatencySummary {
  /** Call createdAt → provider accepted (sender's deliveryLatencyMs of delivered pushes). */
  readonly delivery: Distribution;
  /** Provider accepted → the phone's first receipt (receipts API's phoneLatencyMs). */
  readonly phone: Distribution;
}

export interface DeviceView {
  readonly userId: string;
  readonly deviceId: string;
  readonly platform: Platform;
  readonly bundleId: string;
  readonly environment?: string;
  /** Token kind (`voip`, `alert`, ...) → its tokenHash. */
  readonly tokens: Readonly<Record<string, string>>;
  readonly appVersion?: string;
  readonly updatedAt: string;
}

export interface UserDevices {
  readonly userId: string;
  readonly devices: readonly DeviceView[];
}

export interface DlqMessageView {
  readonly messageId: string;
  /** ISO-8601, when it reached the DLQ. */
  readonly sentAt?: string;
  readonly receiveCount?: number;
  /** The sender's `rejectReason` attribute; absent when the queue's redrive policy moved it. */
  readonly rejectReason?: string;
  readonly rejectDetails?: string;
  readonly sourceMessageId?: string;
  readonly callId?: string;
  readonly type?: string;
  /** The body as sent (cut at 4 KiB). */
  readonly body: string;
}

export interface FaultState {
  readonly platform: Platform;
  readonly faults: readonly Record<string, unknown>[];
}

export interface NetworkExposure {
  readonly service: string;
  readonly endpoint?: string;
  /** `127.0.0.1`, or `all interfaces`. */
  readonly listensOn: string;
  readonly note?: string;
}

export interface ConsoleStatus {
  readonly stack: Readonly<Record<string, string | undefined>>;
  readonly network: readonly NetworkExposure[];
  /** Platforms whose simulator's faults the console can set. */
  readonly faultTargets: readonly Platform[];
  /** Whether the local phones answer pushes (PHONE_RECEIPTS). */
  readonly phones: boolean;
}

/** The console's error body, shaped like the API's (`{ error: { code, message, details? } }`). */
export interface ConsoleError {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: readonly { readonly field: string; readonly problem: string }[];
  };
}

/** Server-sent events of `GET /api/events`: event name → data. */
export interface ConsoleEvents {
  readonly snapshot: {
    readonly pushes: readonly PushRow[];
    readonly phones: readonly PhoneRow[];
    readonly latency: LatencySummary;
    readonly dlq: { readonly count: number };
    readonly faults: readonly FaultState[];
  };
  readonly push: PushRow;
  readonly phone: PhoneRow;
  readonly latency: LatencySummary;
  readonly dlq: { readonly count: number };
  readonly faults: FaultState;
}

export type ConsoleEventName = keyof ConsoleEvents;

/**
 * Joins the console's three sources into its rows: the sender's attempts (outcome, reason, retries,
 * latencies), the provider simulator's records (request headers and payload) and the phones' events
 * (rings, receipts, phone latency). A push row is one (call, token, push type); a phone row is one
 * (call, user, device). Rows are kept for the latest `capacity` of each; every change is handed to
 * `onChange` as the row's new view.
 */
import type { PhoneEvent } from '../phone-events';
import type { AttemptView, LatencySummary, PhoneRow, PushRow } from './console-types';
import { LatencyWindow } from './latency-stats';
import type { DeviceOwner } from './sources/devices';
import type { ProviderPushRecord } from './sources/provider-pushes';
import type { PushAttemptRecord } from './sources/sender-attempts';

export type JournalChange =
  | { readonly kind: 'push'; readonly row: PushRow }
  | { readonly kind: 'phone'; readonly row: PhoneRow };

export interface PushJournalOptions {
  /** Who holds a token, by its hash (the devices table as last read). */
  readonly ownerOf?: (tokenHash: string) => DeviceOwner | undefined;
  readonly onChange?: (change: JournalChange) => void;
  /** Rows kept of each kind. @default 500 */
  readonly capacity?: number;
}

interface MutablePush {
  key: string;
  callId: string;
  platform: string;
  pushType: string;
  tokenHash: string;
  owner?: DeviceOwner;
  bundleId?: string;
  environment?: string;
  firstAt: number;
  request?: ProviderPushRecord;
  attempts: PushAttemptRecord[];
  phoneMs?: number;
}

interface MutablePhone {
  key: string;
  callId: string;
  userId: string;
  deviceId: string;
  platform: string;
  pushes: Record<string, number>;
  firstPushAt: number;
  rings: number;
  rangAt?: number;
  dropped: boolean;
  receipts: PhoneRow['receipts'][number][];
}

const iso = (ms: number) => new Date(ms).toISOString();
export const pushKey = (callId: string, tokenHash: string, pushType: string) =>
  `${callId}|${tokenHash}|${pushType}`;
export const phoneKey = (callId: string, userId: string, deviceId: string) =>
  `${callId}|${userId}|${deviceId}`;

function defined<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function attemptView(attempt: PushAttemptRecord): AttemptView {
  return {
    attempt: attempt.attempt,
    at: iso(attempt.at),
    outcome: attempt.outcome,
    ...defined({
      statusCode: attempt.statusCode,
      reason: attempt.reason,
      providerLatencyMs: attempt.providerLatencyMs,
      providerId: attempt.providerId,
    }),
  };
}

function pushView(row: MutablePush): PushRow {
  const attempts = [...row.attempts].sort((a, b) => a.at - b.at || a.attempt - b.attempt);
  const last = attempts.at(-1);
  const delivered = attempts.find((attempt) => attempt.outcome === 'delivered');
  return {
    key: row.key,
    callId: row.callId,
    platform: row.platform,
    pushType: row.pushType,
    tokenHash: row.tokenHash,
    ...defined({
      userId: row.owner?.userId,
      deviceId: row.owner?.deviceId ?? last?.deviceId,
      bundleId: row.bundleId,
      environment: row.environment,
    }),
    firstAt: iso(row.firstAt),
    ...(row.request
      ? {
          request: {
            headers: row.request.headers,
            payload: row.request.payload,
            receivedAt: iso(row.request.receivedAt),
          },
        }
      : {}),
    ...(last
      ? {
          answer: defined({ statusCode: last.statusCode, reason: last.reason, providerId: last.providerId }),
          outcome: last.outcome,
        }
      : {}),
    attempts: attempts.map(attemptView),
    retries: Math.max(0, attempts.length - 1),
    latency: defined({
      queueMs: attempts[0]?.queueDelayMs,
      providerMs: last?.providerLatencyMs,
      deliveryMs: delivered?.deliveryLatencyMs,
      phoneMs: row.phoneMs,
    }),
  };
}

function phoneView(row: MutablePhone): PhoneRow {
  return {
    key: row.key,
    callId: row.callId,
    userId: row.userId,
    deviceId: row.deviceId,
    platform: row.platform,
    pushes: { ...row.pushes },
    firstPushAt: iso(row.firstPushAt),
    rings: row.rings,
    ...(row.rangAt === undefined ? {} : { rangAt: iso(row.rangAt) }),
    dropped: row.dropped,
    receipts: [...row.receipts],
  };
}

/** Map insertion order is age: drop the oldest past the capacity. */
function trim<T>(rows: Map<string, T>, capacity: number): void {
  while (rows.size > capacity) rows.delete(rows.keys().next().value as string);
}

export class PushJournal {
  private readonly pushRows = new Map<string, MutablePush>();
  private readonly phoneRows = new Map<string, MutablePhone>();
  /** Owners the phones named (they know whose token they hold), by token hash. */
  private readonly phoneOwners = new Map<string, DeviceOwner>();
  private readonly delivery = new LatencyWindow();
  private readonly phone = new LatencyWindow();
  private readonly capacity: number;

  constructor(private readonly options: PushJournalOptions = {}) {
    this.capacity = options.capacity ?? 500;
  }

  addAttempt(attempt: PushAttemptRecord): void {
    const row = this.pushRow(attempt, attempt.at);
    row.attempts.push(attempt);
    row.bundleId ??= attempt.bundleId;
    row.environment ??= attempt.environment;
    if (attempt.outcome === 'delivered' && attempt.deliveryLatencyMs !== undefined) {
      this.delivery.add(attempt.deliveryLatencyMs);
    }
    this.emitPush(row);
  }

  addProviderRecord(record: ProviderPushRecord): void {
    const row = this.pushRow(record, record.receivedAt);
    row.request = record;
    this.emitPush(row);
  }

  addPhoneEvent(event: PhoneEvent): void {
    const owner = { userId: event.userId, deviceId: event.deviceId };
    this.phoneOwners.set(event.tokenHash, owner);
    const key = phoneKey(event.callId, event.userId, event.deviceId);
    let row = this.phoneRows.get(key);
    if (!row) {
      row = {
        key,
        callId: event.callId,
        userId: event.userId,
        deviceId: event.deviceId,
        platform: event.platform,
        pushes: {},
        firstPushAt: event.at,
        rings: 0,
        dropped: false,
        receipts: [],
      };
      this.phoneRows.set(key, row);
      trim(this.phoneRows, this.capacity);
    }
    switch (event.kind) {
      case 'push':
        row.pushes[event.pushType] = (row.pushes[event.pushType] ?? 0) + 1;
        this.adoptOwner(pushKey(event.callId, event.tokenHash, event.pushType), owner);
        break;
      case 'ring':
        row.rings += 1;
        row.rangAt ??= event.at;
        break;
      case 'dropped':
        row.dropped = true;
        break;
      case 'receipt': {
        row.receipts.push({
          stage: event.stage,
          statusCode: event.statusCode,
          at: iso(event.at),
          ...defined({ phoneLatencyMs: event.phoneLatencyMs, endToEndMs: event.endToEndMs }),
        });
        const push = this.pushRows.get(pushKey(event.callId, event.tokenHash, 'voip'));
        if (
          push &&
          push.phoneMs === undefined &&
          event.statusCode === 200 &&
          event.phoneLatencyMs !== undefined
        ) {
          push.phoneMs = event.phoneLatencyMs;
          this.phone.add(event.phoneLatencyMs);
          this.emitPush(push);
        }
        break;
      }
    }
    this.options.onChange?.({ kind: 'phone', row: phoneView(row) });
  }

  /** Fills in recipients that were unknown when their push arrived (after a new read of the devices). */
  resolveOwners(): void {
    for (const row of this.pushRows.values()) {
      if (row.owner) continue;
      const owner = this.ownerFor(row.tokenHash);
      if (!owner) continue;
      row.owner = owner;
      this.emitPush(row);
    }
  }

  /** Whether some push row still has no recipient. */
  hasUnknownOwners(): boolean {
    for (const row of this.pushRows.values()) if (!row.owner) return true;
    return false;
  }

  /** Newest first. */
  pushes(limit = this.capacity): PushRow[] {
    return [...this.pushRows.values()].reverse().slice(0, limit).map(pushView);
  }

  /** Newest first. */
  phones(limit = this.capacity): PhoneRow[] {
    return [...this.phoneRows.values()].reverse().slice(0, limit).map(phoneView);
  }

  latency(): LatencySummary {
    return { delivery: this.delivery.summary(), phone: this.phone.summary() };
  }

  private ownerFor(hash: string): DeviceOwner | undefined {
    return this.phoneOwners.get(hash) ?? this.options.ownerOf?.(hash);
  }

  /** The row of a push (which attempts and provider records both name), created when first seen. */
  private pushRow(
    push: Pick<PushAttemptRecord, 'callId' | 'tokenHash' | 'pushType' | 'platform'>,
    at: number,
  ): MutablePush {
    const { callId, tokenHash, pushType, platform } = push;
    const key = pushKey(callId, tokenHash, pushType);
    let row = this.pushRows.get(key);
    if (!row) {
      const owner = this.ownerFor(tokenHash);
      row = {
        key,
        callId,
        platform,
        pushType,
        tokenHash,
        firstAt: at,
        attempts: [],
        ...(owner ? { owner } : {}),
      };
      this.pushRows.set(key, row);
      trim(this.pushRows, this.capacity);
    }
    row.firstAt = Math.min(row.firstAt, at);
    return row;
  }

  private adoptOwner(key: string, owner: DeviceOwner): void {
    const row = this.pushRows.get(key);
    if (!row || row.owner) return;
    row.owner = owner;
    this.emitPush(row);
  }

  private emitPush(row: MutablePush): void {
    this.options.onChange?.({ kind: 'push', row: pushView(row) });
  }
}

/**
 * The phones of the local stack. They watch what the provider simulators accepted (the APNs simulator's
 * control API `GET /pushes?since=N`, the FCM simulator's `GET /messages?since=N` when given) and act like
 * the sample apps (`local/phone-app.ts`): a call push rings once per (device, call), a repeat or a late
 * one does not; every push and its disposition is recorded. Each call push gets the app's `received`
 * receipt, and a ring also `reported` (CallKit / Telecom took it), posted to the local API with a dev
 * token for the device's owner; Android receipts carry no `apnsId`.
 *
 * Env (read by `phonesOptionsFromEnv`): PHONE_RECEIPTS=off disables it; PHONE_RECEIPT_DELAY_MS (default
 * 50) between the push and the first receipt; PHONE_RECEIPT_DROP_RATE (0–1, default 0) share of pushes
 * whose phone stays silent (never rings nor confirms: exercises the ReceiptReceived / VoipPushAccepted
 * alarm path); PHONE_LIVE_TOKENS (comma-separated) limits the live phones, default every registered token.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { OWNER_SK, type TokenOwnerItem, tokenPk } from '../shared/adapters/dynamodb/device-items';
import type { Platform } from '../shared/domain/device';
import { tokenHash } from '../shared/domain/token-hash';
import type { LogFn } from './api-server';
import { mintDevToken } from './jwt';
import {
  type ApnsPushLike,
  type ArrivedPush,
  type FcmMessageLike,
  type PhonePushRecord,
  PhoneRecorder,
  readApnsPush,
  readFcmMessage,
} from './phone-app';
import { PhoneEventLog, type PhoneEventSource } from './phone-events';

export interface TokenOwner {
  readonly userId: string;
  readonly deviceId: string;
}

/** Who holds a token of that platform now, or undefined. */
export type TokenOwnerLookup = (token: string, platform: Platform) => Promise<TokenOwner | undefined>;

export interface PhonesOptions {
  readonly apiUrl: string;
  /** The APNs simulator's control API (`GET /pushes`); without it no iPhone listens. */
  readonly apnsControlUrl?: string;
  /** The FCM simulator's control API (`GET /messages`); without it no Android phone listens. */
  readonly fcmControlUrl?: string;
  readonly owners: TokenOwnerLookup;
  /** Only these tokens answer (APNs tokens lower-case hex). @default every token `owners` knows */
  readonly liveTokens?: ReadonlySet<string>;
  /** @default 50 */
  readonly delayMs?: number;
  /** Between `received` and `reported` (CallKit's report). @default 20 */
  readonly reportDelayMs?: number;
  /** @default 0 */
  readonly dropRate?: number;
  /** @default 20 */
  readonly pollIntervalMs?: number;
  readonly random?: () => number;
  readonly mintToken?: (userId: string) => Promise<string>;
  readonly log?: LogFn;
}

/** One receipt a phone posted, with the API's answer. */
export interface PhoneReceipt {
  readonly callId: string;
  readonly deviceId: string;
  readonly stage: 'received' | 'reported';
  readonly statusCode: number;
  readonly phoneLatencyMs?: number;
  readonly endToEndMs?: number;
}

export interface Phones {
  /** Receipts posted so far (newest last). */
  readonly receipts: readonly PhoneReceipt[];
  /** Pushes whose phone stayed silent because of the drop rate. */
  readonly dropped: number;
  /** What the phones received, rang and posted, as it happens (local/phone-events.ts). */
  readonly events: PhoneEventSource;
  /** Every push a phone got, with what the app did with it (oldest first). */
  pushes(): readonly PhonePushRecord[];
  /** Rings of one call on the phone holding `token`. */
  rings(callId: string, token: string): number;
  stop(): Promise<void>;
}

/** Token owners from the devices table's token-owner items (key by the adapter's `tokenPk`). */
export function dynamoTokenOwners(documents: DynamoDBDocumentClient, devicesTable: string): TokenOwnerLookup {
  return async (token, platform) => {
    const result = await documents.send(
      new GetCommand({ TableName: devicesTable, Key: { pk: tokenPk(token, platform), sk: OWNER_SK } }),
    );
    const item = result.Item as TokenOwnerItem | undefined;
    return item ? { userId: item.userId, deviceId: item.deviceId } : undefined;
  };
}

export interface PhonesEnvSettings {
  readonly enabled: boolean;
  readonly delayMs: number;
  readonly dropRate: number;
  readonly liveTokens?: ReadonlySet<string>;
}

function numberFrom(env: Record<string, string | undefined>, name: string, fallback: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > max)
    throw new Error(`${name} must be 0–${max}, got "${raw}"`);
  return value;
}

/** A hex APNs token is matched in lower case; an FCM token as written (it is case-sensitive). */
const liveKey = (token: string) => (/^[0-9a-fA-F]+$/.test(token) ? token.toLowerCase() : token);

export function phonesOptionsFromEnv(env: Record<string, string | undefined>): PhonesEnvSettings {
  const live = env.PHONE_LIVE_TOKENS?.split(',')
    .map((token) => liveKey(token.trim()))
    .filter(Boolean);
  return {
    enabled: env.PHONE_RECEIPTS?.toLowerCase() !== 'off',
    delayMs: numberFrom(env, 'PHONE_RECEIPT_DELAY_MS', 50, 60_000),
    dropRate: numberFrom(env, 'PHONE_RECEIPT_DROP_RATE', 0, 1),
    ...(live && live.length > 0 ? { liveTokens: new Set(live) } : {}),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * The sender writes its results in batches, once a batch's pushes are answered: a receipt may beat the
 * write, so a 404 is retried, 50 ms doubling to 1 s, for up to 10 s (as the iOS sample does).
 */
const NOT_YET_WINDOW_MS = 10_000;
const notYetDelayMs = (attempt: number) => Math.min(1000, 50 * 2 ** attempt);

/** A control API listing what a simulator accepted: `GET <path>?since=N` → `{ [field]: T[], total }`. */
interface Feed<T> {
  readonly url: string;
  readonly field: 'pushes' | 'messages';
  readonly read: (item: T) => ArrivedPush;
}

/** Starts polling the simulators; every new push to a live phone is decided, recorded and answered. */
export function startPhones(options: PhonesOptions): Phones {
  const log: LogFn = options.log ?? (() => undefined);
  const random = options.random ?? Math.random;
  const mint = options.mintToken ?? ((userId: string) => mintDevToken(userId));
  const tokens = new Map<string, Promise<string>>();
  const receipts: PhoneReceipt[] = [];
  const events = new PhoneEventLog();
  const recorder = new PhoneRecorder();
  const inflight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let dropped = 0;
  let stopped = false;
  /** Pushes are decided one at a time, in arrival order, as one phone's app would. */
  let queue: Promise<void> = Promise.resolve();

  const bearer = (userId: string) => {
    let token = tokens.get(userId);
    if (!token) {
      token = mint(userId);
      tokens.set(userId, token);
    }
    return token;
  };

  async function post(record: PhonePushRecord, owner: TokenOwner, stage: PhoneReceipt['stage']) {
    const callId = record.callId as string;
    const apnsId = record.platform === 'ios' ? record.pushId : undefined;
    const giveUpAt = Date.now() + NOT_YET_WINDOW_MS;
    for (let attempt = 0; ; attempt += 1) {
      const res = await fetch(`${options.apiUrl}/v1/calls/${encodeURIComponent(callId)}/receipts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${await bearer(owner.userId)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ deviceId: owner.deviceId, stage, ...(apnsId ? { apnsId } : {}) }),
      });
      const body = (await res.json().catch(() => ({}))) as Partial<PhoneReceipt>;
      if (res.status === 404 && Date.now() + notYetDelayMs(attempt) < giveUpAt && !stopped) {
        await sleep(notYetDelayMs(attempt));
        continue;
      }
      const receipt: PhoneReceipt = {
        callId,
        deviceId: owner.deviceId,
        stage,
        statusCode: res.status,
        ...(typeof body.phoneLatencyMs === 'number' ? { phoneLatencyMs: body.phoneLatencyMs } : {}),
        ...(typeof body.endToEndMs === 'number' ? { endToEndMs: body.endToEndMs } : {}),
      };
      receipts.push(receipt);
      events.emit({
        kind: 'receipt',
        at: Date.now(),
        platform: record.platform,
        userId: owner.userId,
        tokenHash: record.tokenHash,
        ...receipt,
      });
      log(res.status === 200 ? 'info' : 'error', 'phone receipt', { ...receipt, platform: record.platform });
      return;
    }
  }

  /** The app's receipts: `received` for every call push, then `reported` once a ring is on screen. */
  async function confirm(record: PhonePushRecord, owner: TokenOwner): Promise<void> {
    await sleep(options.delayMs ?? 50);
    if (stopped) return;
    await post(record, owner, 'received');
    if (record.disposition !== 'rang') return;
    await sleep(options.reportDelayMs ?? 20);
    if (stopped) return;
    await post(record, owner, 'reported');
  }

  async function arrive(push: ArrivedPush): Promise<void> {
    if (options.liveTokens && !options.liveTokens.has(push.token)) return;
    const owner = await options.owners(push.token, push.platform);
    if (!owner) return;
    if (push.kind === 'call' && random() < (options.dropRate ?? 0)) {
      // The phone stays silent: it never rings, so the app decides nothing and records nothing.
      dropped += 1;
      const { userId, deviceId } = owner;
      const hash = tokenHash(push.token);
      events.emit({
        kind: 'dropped',
        at: Date.now(),
        userId,
        deviceId,
        tokenHash: hash,
        platform: push.platform,
        callId: String(push.callId),
      });
      log('info', 'phone dropped receipt', { callId: push.callId, deviceId });
      return;
    }
    const record = recorder.receive(push, owner);
    if (record.callId === undefined) return;
    const who = {
      userId: owner.userId,
      deviceId: owner.deviceId,
      tokenHash: record.tokenHash,
      platform: record.platform,
      callId: record.callId,
    };
    events.emit({
      kind: 'push',
      at: Date.now(),
      ...who,
      pushType: push.kind === 'alert' ? 'alert' : 'voip',
      disposition: record.disposition,
      ...(record.platform === 'ios' && record.pushId ? { apnsId: record.pushId } : {}),
    });
    if (record.disposition === 'rang') events.emit({ kind: 'ring', at: Date.now(), ...who });
    // A missed-call alert shows a notification; only a call push gets the app's receipts.
    if (push.kind !== 'call' && record.platform === 'android') return;
    if (push.kind === 'alert') return;
    track(confirm(record, owner));
  }

  function track(work: Promise<void>) {
    const guarded = work.catch((error: unknown) =>
      log('error', 'phone failed', { error: error instanceof Error ? error.message : String(error) }),
    );
    inflight.add(guarded);
    void guarded.finally(() => inflight.delete(guarded));
  }

  function watch<T>(feed: Feed<T>): void {
    let seen = 0;
    const poll = async () => {
      try {
        // Only what is new since the last poll (the simulator answers all of them after a reset).
        const res = await fetch(`${feed.url}?since=${seen}`);
        const body = (await res.json()) as Record<string, unknown> & { total: number };
        const items = body[feed.field] as T[];
        for (const item of items) {
          const push = feed.read(item);
          queue = queue
            .then(() => arrive(push))
            .catch((error: unknown) =>
              log('error', 'phone failed', { error: error instanceof Error ? error.message : String(error) }),
            );
        }
        seen = body.total;
        await queue;
      } catch (error) {
        if (!stopped)
          log('error', 'phones poll failed', {
            error: error instanceof Error ? error.message : String(error),
          });
      }
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        void poll();
      }, options.pollIntervalMs ?? 20);
      timers.add(timer);
    };
    void poll();
  }
  if (options.apnsControlUrl)
    watch<ApnsPushLike>({ url: `${options.apnsControlUrl}/pushes`, field: 'pushes', read: readApnsPush });
  if (options.fcmControlUrl)
    watch<FcmMessageLike>({
      url: `${options.fcmControlUrl}/messages`,
      field: 'messages',
      read: readFcmMessage,
    });

  return {
    receipts,
    events,
    get dropped() {
      return dropped;
    },
    pushes: () => recorder.records(),
    rings: (callId, token) => recorder.rings(callId, token),
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await queue;
      await Promise.allSettled([...inflight]);
    },
  };
}

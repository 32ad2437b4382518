/**
 * The phones of the local stack: watches the pushes the APNs simulator accepted and, for each VoIP push
 * to a live device, posts the app's receipts (`received`, then `reported`) to the local API with a dev
 * token for the device's owner, as the iOS app does after PushKit wakes it.
 *
 * Env (read by `phonesOptionsFromEnv`): PHONE_RECEIPTS=off disables it; PHONE_RECEIPT_DELAY_MS (default
 * 50) between the push and the first receipt; PHONE_RECEIPT_DROP_RATE (0–1, default 0) share of pushes
 * whose phone never confirms (exercises the ReceiptReceived / VoipPushAccepted alarm path);
 * PHONE_LIVE_TOKENS (comma-separated hex) limits the live phones, default every registered token.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { ownerKey, type TokenOwnerItem } from '../shared/adapters/dynamodb/device-items';
import { tokenHash } from '../shared/domain/token-hash';
import type { LogFn } from './api-server';
import { mintDevToken } from './jwt';
import { PhoneEventLog, type PhoneEventSource } from './phone-events';

export interface TokenOwner {
  readonly userId: string;
  readonly deviceId: string;
}

/** Who holds a token now, or undefined. */
export type TokenOwnerLookup = (token: string) => Promise<TokenOwner | undefined>;

export interface PhonesOptions {
  readonly apiUrl: string;
  /** The simulator's control API (`GET /pushes`). */
  readonly apnsControlUrl: string;
  readonly owners: TokenOwnerLookup;
  /** Only these tokens (lower-case hex) answer. @default every token `owners` knows */
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
  stop(): Promise<void>;
}

interface SimulatorPush {
  readonly token: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: unknown;
}

/** Token owners from the devices table's `TOKEN#<token>` / `OWNER` items. */
export function dynamoTokenOwners(documents: DynamoDBDocumentClient, devicesTable: string): TokenOwnerLookup {
  return async (token) => {
    const result = await documents.send(
      new GetCommand({ TableName: devicesTable, Key: ownerKey(token.toLowerCase()) }),
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

export function phonesOptionsFromEnv(env: Record<string, string | undefined>): PhonesEnvSettings {
  const live = env.PHONE_LIVE_TOKENS?.split(',')
    .map((token) => token.trim().toLowerCase())
    .filter(Boolean);
  return {
    enabled: env.PHONE_RECEIPTS?.toLowerCase() !== 'off',
    delayMs: numberFrom(env, 'PHONE_RECEIPT_DELAY_MS', 50, 60_000),
    dropRate: numberFrom(env, 'PHONE_RECEIPT_DROP_RATE', 0, 1),
    ...(live && live.length > 0 ? { liveTokens: new Set(live) } : {}),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The sender writes acceptedAt just after APNs answers: a receipt may beat it, so 404 is retried briefly. */
const NOT_YET_RETRIES = 10;
const NOT_YET_DELAY_MS = 50;

/** Starts polling the simulator; every new VoIP push to a live phone gets its receipts. */
export function startPhones(options: PhonesOptions): Phones {
  const log: LogFn = options.log ?? (() => undefined);
  const random = options.random ?? Math.random;
  const mint = options.mintToken ?? ((userId: string) => mintDevToken(userId));
  const tokens = new Map<string, Promise<string>>();
  const receipts: PhoneReceipt[] = [];
  const events = new PhoneEventLog();
  const inflight = new Set<Promise<void>>();
  let seen = 0;
  let dropped = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const bearer = (userId: string) => {
    let token = tokens.get(userId);
    if (!token) {
      token = mint(userId);
      tokens.set(userId, token);
    }
    return token;
  };

  async function post(
    callId: string,
    owner: TokenOwner,
    apnsId: string | undefined,
    stage: PhoneReceipt['stage'],
    hash: string,
  ) {
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
      if (res.status === 404 && attempt < NOT_YET_RETRIES && !stopped) {
        await sleep(NOT_YET_DELAY_MS);
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
        platform: 'ios',
        userId: owner.userId,
        tokenHash: hash,
        ...receipt,
      });
      log(res.status === 200 ? 'info' : 'error', 'phone receipt', { ...receipt });
      return;
    }
  }

  async function answer(push: SimulatorPush): Promise<void> {
    const callId = (push.payload as { callId?: unknown } | null)?.callId;
    if (typeof callId !== 'string') return;
    const token = push.token.toLowerCase();
    if (options.liveTokens && !options.liveTokens.has(token)) return;
    const owner = await options.owners(token);
    if (!owner) return;
    const apnsId = push.headers['apns-id'];
    const pushType = push.headers['apns-push-type'] ?? 'unknown';
    const hash = tokenHash(token);
    const who = {
      callId,
      userId: owner.userId,
      deviceId: owner.deviceId,
      tokenHash: hash,
      platform: 'ios',
    } as const;
    events.emit({ kind: 'push', at: Date.now(), ...who, pushType, ...(apnsId ? { apnsId } : {}) });
    // A missed-call alert shows a notification; only a VoIP push rings and gets receipts.
    if (pushType !== 'voip') return;
    if (random() < (options.dropRate ?? 0)) {
      dropped += 1;
      events.emit({ kind: 'dropped', at: Date.now(), ...who });
      log('info', 'phone dropped receipt', { callId, deviceId: owner.deviceId });
      return;
    }
    await sleep(options.delayMs ?? 50);
    if (stopped) return;
    await post(callId, owner, apnsId, 'received', hash);
    await sleep(options.reportDelayMs ?? 20);
    if (stopped) return;
    // `reported`: the app told CallKit, so the phone rings now.
    events.emit({ kind: 'ring', at: Date.now(), ...who });
    await post(callId, owner, apnsId, 'reported', hash);
  }

  function track(push: SimulatorPush) {
    const work = answer(push).catch((error: unknown) =>
      log('error', 'phone failed', { error: error instanceof Error ? error.message : String(error) }),
    );
    inflight.add(work);
    void work.finally(() => inflight.delete(work));
  }

  async function poll(): Promise<void> {
    try {
      // Only what is new since the last poll (the simulator answers all of them after a reset).
      const res = await fetch(`${options.apnsControlUrl}/pushes?since=${seen}`);
      const { pushes, total } = (await res.json()) as { pushes: SimulatorPush[]; total: number };
      for (const push of pushes) track(push);
      seen = total;
    } catch (error) {
      if (!stopped)
        log('error', 'phones poll failed', { error: error instanceof Error ? error.message : String(error) });
    }
    if (!stopped) timer = setTimeout(() => void poll(), options.pollIntervalMs ?? 20);
  }
  void poll();

  return {
    receipts,
    events,
    get dropped() {
      return dropped;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...inflight]);
    },
  };
}

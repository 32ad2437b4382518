/**
 * A push provider's side of the pushes panel: what its simulator received. One source per platform
 * (`apns-simulator-pushes.ts` for iOS, `fcm-simulator-pushes.ts` for Android),
 * joined by the push journal with the sender's attempts on (callId, tokenHash, pushType).
 */
export interface ProviderPushRecord {
  readonly platform: string;
  readonly callId: string;
  readonly tokenHash: string;
  /** `voip` for an incoming call, `alert` for a missed call, whatever the provider calls them. */
  readonly pushType: string;
  /** ms since the epoch. */
  readonly receivedAt: number;
  /** The provider-specific request headers worth showing (never authorization). */
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: unknown;
  /** APNs' apns-id, FCM's message name. */
  readonly providerId?: string;
}

export interface ProviderPushSource {
  readonly platform: string;
  start(onRecord: (record: ProviderPushRecord) => void, onError?: (error: unknown) => void): void;
  stop(): Promise<void>;
}

/** A simulator's control API listing what it accepted: `GET <url>?since=N` → `{ [field]: T[], total }`. */
export interface SimulatorFeed<T> {
  readonly platform: string;
  readonly url: string;
  readonly field: string;
  readonly toRecord: (item: T) => ProviderPushRecord | undefined;
}

/** Polls a simulator's feed for what it accepted since the last look. */
export function pollingPushSource<T>(feed: SimulatorFeed<T>, intervalMs = 100): ProviderPushSource {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let seen = 0;
  let polling: Promise<void> = Promise.resolve();
  return {
    platform: feed.platform,
    start(onRecord, onError) {
      const poll = async () => {
        try {
          const res = await fetch(`${feed.url}?since=${seen}`);
          const body = (await res.json()) as Record<string, unknown> & { total: number };
          for (const item of (body[feed.field] ?? []) as T[]) {
            const record = feed.toRecord(item);
            if (record) onRecord(record);
          }
          seen = body.total;
        } catch (error) {
          if (!stopped) onError?.(error);
        }
      };
      const loop = () => {
        polling = poll().finally(() => {
          if (!stopped) timer = setTimeout(loop, intervalMs);
        });
      };
      loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await polling;
    },
  };
}

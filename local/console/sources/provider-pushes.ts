/**
 * A push provider's side of the pushes panel: what its simulator received. One source per platform
 * (`apns-simulator-pushes.ts` for iOS; an FCM simulator's `GET /pushes?since=N` becomes a second one),
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

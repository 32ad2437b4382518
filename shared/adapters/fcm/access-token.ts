import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import type { FcmServiceAccount } from '../../domain/fcm-credential';

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const MINUTE_MS = 60_000;
const JWT_LIFETIME_S = 3600;

/** What the token endpoint granted. */
export interface AccessTokenGrant {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
}

export interface AccessTokenOptions {
  /** A token is replaced this long before it expires (in the background while it is still valid). @default 5 minutes */
  readonly refreshBeforeMs?: number;
  /** After a failed background refresh, the still-valid token is used this long before the next try. @default 10 s */
  readonly retryAfterFailureMs?: number;
  /** Clock, ms since epoch. @default Date.now */
  readonly now?: () => number;
}

const base64url = (value: string): string => Buffer.from(value).toString('base64url');

/**
 * The OAuth 2.0 JWT-bearer assertion of a service account: RS256, `kid` = private_key_id, `iss` =
 * client_email, `scope` = firebase.messaging, `aud` = token_uri, valid one hour from `nowMs`.
 */
export function serviceAccountAssertion(account: FcmServiceAccount, key: KeyObject, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: account.private_key_id }));
  const claims = base64url(
    JSON.stringify({
      iss: account.client_email,
      scope: FCM_SCOPE,
      aud: account.token_uri,
      iat,
      exp: iat + JWT_LIFETIME_S,
    }),
  );
  const input = `${header}.${claims}`;
  return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

/** Trades an assertion for an access token (the HTTPS request, or a fake in tests). */
export type GrantRequest = (account: FcmServiceAccount, assertion: string) => Promise<AccessTokenGrant>;

/**
 * The access token of one service account, cached. A caller gets the cached token until
 * `refreshBeforeMs` before it expires; from then on the still-valid token while one refresh runs in the
 * background; once it has expired, every caller waits for the same one refresh. Never one per push.
 */
export class AccessTokenSource {
  private readonly key: KeyObject;
  private readonly refreshBeforeMs: number;
  private readonly retryAfterFailureMs: number;
  private readonly now: () => number;
  private token: string | undefined;
  private expiresAtMs = Number.NEGATIVE_INFINITY;
  private refreshAtMs = Number.NEGATIVE_INFINITY;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly account: FcmServiceAccount,
    private readonly request: GrantRequest,
    options: AccessTokenOptions = {},
  ) {
    this.key = createPrivateKey(account.private_key);
    this.refreshBeforeMs = options.refreshBeforeMs ?? 5 * MINUTE_MS;
    this.retryAfterFailureMs = options.retryAfterFailureMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The token to send now, without waiting; undefined when a caller must wait for `get()`. */
  current(): string | undefined {
    const now = this.now();
    if (this.token === undefined || now >= this.expiresAtMs) return undefined;
    if (now >= this.refreshAtMs && this.pending === undefined) this.refreshInBackground();
    return this.token;
  }

  /** A valid token: the cached one, or the one refresh that every concurrent caller shares. */
  get(): Promise<string> {
    const token = this.current();
    return token === undefined ? this.refresh() : Promise.resolve(token);
  }

  /**
   * After FCM answered 401 to `rejected`: the token to resend with. Another caller may already have
   * replaced it; otherwise the rejected one is dropped and a new one fetched (shared by concurrent callers).
   */
  renewAfterRejection(rejected: string): Promise<string> {
    if (this.token !== undefined && this.token !== rejected && this.now() < this.expiresAtMs) {
      return Promise.resolve(this.token);
    }
    if (this.token === rejected) {
      this.token = undefined;
      this.expiresAtMs = Number.NEGATIVE_INFINITY;
    }
    return this.refresh();
  }

  /** When the cached token expires, ms since epoch (-Infinity without one). */
  get expiresAt(): number {
    return this.expiresAtMs;
  }

  private refresh(): Promise<string> {
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private refreshInBackground(): void {
    this.refresh().catch(() => {
      // The cached token is still valid: keep it, and try again a little later.
      if (this.token !== undefined) this.refreshAtMs = this.now() + this.retryAfterFailureMs;
    });
  }

  private async fetch(): Promise<string> {
    const issuedAt = this.now();
    const grant = await this.request(this.account, serviceAccountAssertion(this.account, this.key, issuedAt));
    const lifetimeMs = grant.expiresInSeconds * 1000;
    this.token = grant.accessToken;
    this.expiresAtMs = issuedAt + lifetimeMs;
    // A short-lived token is refreshed halfway through instead of never being cached.
    this.refreshAtMs = issuedAt + Math.max(lifetimeMs / 2, lifetimeMs - this.refreshBeforeMs);
    return grant.accessToken;
  }
}

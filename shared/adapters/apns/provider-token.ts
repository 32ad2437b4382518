import { createPrivateKey, type KeyObject, sign } from 'node:crypto';

const MINUTE_MS = 60_000;

export interface ProviderTokenOptions {
  /** Age after which the cached JWT is replaced on the next use. @default 40 minutes */
  readonly refreshAfterMs?: number;
  /** A new JWT is never minted sooner than this after the previous one (Apple: 20 min). @default 20 minutes */
  readonly minIntervalMs?: number;
  /** Age beyond which a rejected JWT is replaced even inside the floor: it is about to expire anyway. @default 55 minutes */
  readonly hardMaxAgeMs?: number;
  /** Clock, ms since epoch. @default Date.now */
  readonly now?: () => number;
}

export interface ProviderTokenKey {
  readonly teamId: string;
  readonly keyId: string;
  /** PEM (PKCS#8) of the ES256 .p8 key. */
  readonly signingKey: string;
}

const base64url = (value: string): string => Buffer.from(value).toString('base64url');

/**
 * Mints and caches the ES256 provider token (JWT) of one APNs signing key.
 *
 * Apple wants one token reused for all requests, refreshed no more than once per 20 minutes and no
 * less than once per 60. The token is minted on first use and replaced on the first use after
 * `refreshAfterMs` (40 min): never per request.
 */
export class ProviderTokenSigner {
  private readonly key: KeyObject;
  private readonly encodedHeader: string;
  private readonly encodedTeam: string;
  private readonly refreshAfterMs: number;
  private readonly minIntervalMs: number;
  private readonly hardMaxAgeMs: number;
  private readonly now: () => number;
  private issuedAtMs = Number.NEGATIVE_INFINITY;
  /** The cached `bearer <jwt>` header value. */
  private bearer = '';

  constructor(key: ProviderTokenKey, options: ProviderTokenOptions = {}) {
    this.key = createPrivateKey(key.signingKey);
    this.encodedHeader = base64url(JSON.stringify({ alg: 'ES256', kid: key.keyId }));
    this.encodedTeam = key.teamId;
    this.refreshAfterMs = options.refreshAfterMs ?? 40 * MINUTE_MS;
    this.minIntervalMs = options.minIntervalMs ?? 20 * MINUTE_MS;
    this.hardMaxAgeMs = options.hardMaxAgeMs ?? 55 * MINUTE_MS;
    this.now = options.now ?? Date.now;
  }

  /** The `authorization` header value to send now: the cached token, renewed once it is `refreshAfterMs` old. */
  authorization(): string {
    const now = this.now();
    if (now - this.issuedAtMs >= this.refreshAfterMs) this.mint(now);
    return this.bearer;
  }

  /**
   * After APNs answered ExpiredProviderToken for `rejected` (an `authorization` value): returns the
   * value to retry with, or undefined when no retry makes sense.
   *
   * - Another request already replaced the rejected token: retry with the current one.
   * - The token is at least `minIntervalMs` (20 min) old: mint a new one; the floor holds.
   * - The token is younger than that: minting again would break Apple's 20-minute floor (429
   *   TooManyProviderTokenUpdates) and cannot help, since APNs' clock disagrees with ours; no retry.
   * - Except when the token is older than `hardMaxAgeMs` (55 min) by our clock: it is expired or
   *   about to be under Apple's own one-hour rule, so it is replaced whatever the floor is set to.
   */
  renewAfterExpired(rejected: string): string | undefined {
    if (rejected !== this.bearer) return this.bearer;
    const now = this.now();
    const age = now - this.issuedAtMs;
    if (age < this.minIntervalMs && age < this.hardMaxAgeMs) return undefined;
    this.mint(now);
    return this.bearer;
  }

  /** When the current token was minted, ms since epoch (-Infinity before the first). */
  get issuedAt(): number {
    return this.issuedAtMs;
  }

  private mint(now: number): void {
    const iat = Math.floor(now / 1000);
    const input = `${this.encodedHeader}.${base64url(`{"iss":${JSON.stringify(this.encodedTeam)},"iat":${iat}}`)}`;
    const signature = sign('sha256', Buffer.from(input), { key: this.key, dsaEncoding: 'ieee-p1363' });
    this.bearer = `bearer ${input}.${signature.toString('base64url')}`;
    this.issuedAtMs = now;
  }
}

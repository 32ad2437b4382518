import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import { type Rejection, UNAUTHENTICATED } from './fcm-errors';

/** A service account the simulator knows: the public half of its key and its project. */
export interface SimulatedServiceAccount {
  readonly clientEmail: string;
  readonly projectId: string;
  /** PEM (SPKI) of the RSA public key. */
  readonly publicKey: string;
  /** When set, a JWT whose `kid` names another key is refused. */
  readonly privateKeyId?: string;
}

/** Who a bearer token was issued to. */
export interface TokenHolder {
  readonly clientEmail: string;
  readonly projectId: string;
}

export interface OAuthAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Scopes that allow sending: FCM's own and cloud-platform (firebase-admin asks for both). */
const SEND_SCOPES = [
  'https://www.googleapis.com/auth/firebase.messaging',
  'https://www.googleapis.com/auth/cloud-platform',
];
const MAX_JWT_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 60;

const invalidGrant = (description: string): OAuthAnswer => ({
  status: 400,
  body: { error: 'invalid_grant', error_description: description },
});

/**
 * The simulator's OAuth 2.0 token endpoint and bearer-token check, as Google's: the JWT-bearer grant
 * of a service account (RS256 signature with its public key, `iss`, `kid`, `aud`, `scope`, `iat`/`exp`),
 * then opaque access tokens that expire after `lifetimeSeconds`.
 */
export class OAuthIssuer {
  private readonly accounts = new Map<string, SimulatedServiceAccount & { key: KeyObject }>();
  private readonly issued = new Map<string, TokenHolder & { expiresAtMs: number }>();
  /** Accepted `aud` values: the simulator's own token URL, and Google's. */
  readonly audiences = new Set<string>(['https://oauth2.googleapis.com/token']);

  constructor(
    accounts: readonly SimulatedServiceAccount[],
    private readonly lifetimeSeconds: number,
  ) {
    for (const account of accounts)
      this.accounts.set(account.clientEmail, { ...account, key: createPublicKey(account.publicKey) });
  }

  /** Answers a token request body (form-encoded). */
  grant(form: string, nowMs: number): OAuthAnswer {
    const params = new URLSearchParams(form);
    const grantType = params.get('grant_type');
    if (grantType !== GRANT_TYPE) {
      return {
        status: 400,
        body: {
          error: 'unsupported_grant_type',
          error_description: `Invalid grant_type: ${String(grantType).slice(0, 60)}`,
        },
      };
    }
    const assertion = params.get('assertion');
    if (assertion === null || assertion === '')
      return {
        status: 400,
        body: { error: 'invalid_request', error_description: 'Missing required parameter: assertion' },
      };
    const checked = this.checkAssertion(assertion, nowMs);
    if ('status' in checked) return checked;
    const accessToken = `ya29.sim-${randomBytes(24).toString('base64url')}`;
    this.issued.set(accessToken, { ...checked, expiresAtMs: nowMs + this.lifetimeSeconds * 1000 });
    return {
      status: 200,
      body: { access_token: accessToken, expires_in: this.lifetimeSeconds, token_type: 'Bearer' },
    };
  }

  /** The holder of `Authorization: Bearer <token>`, or FCM's 401 UNAUTHENTICATED. */
  holderOf(authorization: string | undefined, nowMs: number): TokenHolder | Rejection {
    const match = /^Bearer (\S+)$/i.exec(authorization ?? '');
    const token = match?.[1];
    const holder = token === undefined ? undefined : this.issued.get(token);
    if (holder === undefined || holder.expiresAtMs <= nowMs) return UNAUTHENTICATED;
    return holder;
  }

  /** Every issued token expires now (as if an hour had passed). */
  expireAll(): void {
    for (const holder of this.issued.values()) holder.expiresAtMs = 0;
  }

  private checkAssertion(jwt: string, nowMs: number): TokenHolder | OAuthAnswer {
    const [header, claims, signature, extra] = jwt.split('.');
    if (header === undefined || claims === undefined || signature === undefined || extra !== undefined)
      return invalidGrant('Invalid JWT: malformed.');
    const head = decodeJson(header);
    const body = decodeJson(claims);
    if (head === undefined || body === undefined) return invalidGrant('Invalid JWT: malformed.');
    if (head.alg !== 'RS256') return invalidGrant('Invalid JWT Signature.');
    const account = typeof body.iss === 'string' ? this.accounts.get(body.iss) : undefined;
    if (account === undefined) return invalidGrant('Invalid grant: account not found');
    if (head.kid !== undefined && account.privateKeyId !== undefined && head.kid !== account.privateKeyId)
      return invalidGrant('Invalid JWT Signature.');
    const signed = verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      account.key,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) return invalidGrant('Invalid JWT Signature.');
    if (typeof body.aud !== 'string' || !this.audiences.has(body.aud)) {
      return invalidGrant(
        `Invalid JWT: Failed audience check. The right audience is ${[...this.audiences].at(-1)}`,
      );
    }
    const now = nowMs / 1000;
    const { iat, exp } = body;
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      exp - iat > MAX_JWT_LIFETIME_S ||
      exp <= now - CLOCK_SKEW_S ||
      iat > now + CLOCK_SKEW_S
    ) {
      return invalidGrant(
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
    const scopes = typeof body.scope === 'string' ? body.scope.split(' ') : [];
    if (!scopes.some((scope) => SEND_SCOPES.includes(scope)))
      return {
        status: 400,
        body: {
          error: 'invalid_scope',
          error_description: 'Invalid OAuth scope or ID token audience provided.',
        },
      };
    return { clientEmail: account.clientEmail, projectId: account.projectId };
  }
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

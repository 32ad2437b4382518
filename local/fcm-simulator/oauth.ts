import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
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
  async grant(form: string, nowMs: number): Promise<OAuthAnswer> {
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
    const checked = await this.checkAssertion(assertion, nowMs);
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

  /** Google's checks of a JWT-bearer assertion, with jose doing the signature, `alg`, `aud` and `exp`. */
  private async checkAssertion(jwt: string, nowMs: number): Promise<TokenHolder | OAuthAnswer> {
    let issuer: unknown;
    let kid: unknown;
    try {
      issuer = decodeJwt(jwt).iss;
      kid = decodeProtectedHeader(jwt).kid;
    } catch {
      return invalidGrant('Invalid JWT: malformed.');
    }
    const account = typeof issuer === 'string' ? this.accounts.get(issuer) : undefined;
    if (account === undefined) return invalidGrant('Invalid grant: account not found');
    if (kid !== undefined && account.privateKeyId !== undefined && kid !== account.privateKeyId)
      return invalidGrant('Invalid JWT Signature.');
    let claims: Record<string, unknown>;
    try {
      const verified = await jwtVerify(jwt, account.key, {
        algorithms: ['RS256'],
        audience: [...this.audiences],
        requiredClaims: ['iat', 'exp'],
        clockTolerance: CLOCK_SKEW_S,
        currentDate: new Date(nowMs),
      });
      claims = verified.payload;
    } catch (error) {
      return invalidGrant(refusal(error, [...this.audiences].at(-1) ?? ''));
    }
    const iat = Number(claims.iat);
    const exp = Number(claims.exp);
    if (exp - iat > MAX_JWT_LIFETIME_S || iat > nowMs / 1000 + CLOCK_SKEW_S) return invalidGrant(SHORT_LIVED);
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
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

const SHORT_LIVED =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

/** Google's words for what jose found wrong. */
function refusal(error: unknown, audience: string): string {
  if (error instanceof errors.JWTExpired) return SHORT_LIVED;
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'aud'
      ? `Invalid JWT: Failed audience check. The right audience is ${audience}`
      : SHORT_LIVED;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed)
    return 'Invalid JWT Signature.';
  return 'Invalid JWT: malformed.';
}

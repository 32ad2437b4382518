/**
 * Local stand-in for API Gateway's JWT authorizer: one ES256 key pair kept under `.local/jwt/`,
 * created on first use, used both to mint dev tokens and to check bearer tokens like AWS does.
 */
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import { LocalEnvName } from '../shared/platform/env-names';

export const LOCAL_JWT_ISSUER = 'voip-push-local';
export const LOCAL_JWT_AUDIENCE = 'voip-push-local';
const ALGORITHM = 'ES256';
/** Seconds of clock skew accepted on `exp` / `nbf`, as small as a real authorizer's. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** `.local/jwt` at the repository root (or under `VOIP_LOCAL_DIR`), wherever the process was started from. */
export const DEFAULT_JWT_DIR = process.env[LocalEnvName.stateDir]
  ? resolve(process.env[LocalEnvName.stateDir] as string, 'jwt')
  : resolve(import.meta.dirname, '..', '.local', 'jwt');
const KEY_FILE = 'signing-key.json';

type Key = Awaited<ReturnType<typeof importJWK>>;

export interface LocalSigningKey {
  readonly kid: string;
  readonly privateKey: Key;
  readonly publicKey: Key;
  /** The public half, as a JWKS would publish it. */
  readonly publicJwk: JWK;
}

/** Claims API Gateway passes on to the Lambda after a token was accepted. */
export type VerifiedClaims = Record<string, unknown> & { sub: string };

export type BearerCheck = { ok: true; claims: VerifiedClaims } | { ok: false; message: string };

async function createKeyFile(path: string): Promise<void> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  // Written whole to a temporary file, then linked: concurrent first uses (jest workers, dev-token
  // beside `npm start`) never read half a key, and the first one to land wins for everybody.
  const tmp = `${path}.${randomUUID()}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...jwk, kid, alg: ALGORITHM }), { mode: 0o600 });
  try {
    linkSync(tmp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readKeyFile(path: string): JWK | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const loaded = new Map<string, Promise<LocalSigningKey>>();

async function load(dir: string): Promise<LocalSigningKey> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, KEY_FILE);
  let jwk = readKeyFile(path);
  if (!jwk) {
    await createKeyFile(path);
    jwk = readKeyFile(path);
  }
  if (!jwk?.d || !jwk.kid) throw new Error(`${path} is not an ES256 private JWK: delete it to get a new key`);
  const { d: _private, ...publicJwk } = jwk;
  return {
    kid: jwk.kid,
    privateKey: await importJWK(jwk, ALGORITHM),
    publicKey: await importJWK(publicJwk, ALGORITHM),
    publicJwk,
  };
}

/** The local signing key in `dir` (default `.local/jwt`), created on first use and cached per process. */
export function loadLocalSigningKey(dir = DEFAULT_JWT_DIR): Promise<LocalSigningKey> {
  const key = resolve(dir);
  let pending = loaded.get(key);
  if (!pending) {
    pending = load(key);
    pending.catch(() => loaded.delete(key));
    loaded.set(key, pending);
  }
  return pending;
}

export interface MintOptions {
  /** @default 3600 */
  readonly ttlSeconds?: number;
  /** @default the `.local/jwt` key */
  readonly key?: LocalSigningKey;
  /** Extra claims, e.g. `scope`; tests also use it to shape bad tokens. */
  readonly claims?: Record<string, unknown>;
}

/** A token the local API accepts for `userId` (its `sub`). */
export async function mintDevToken(userId: string, options: MintOptions = {}): Promise<string> {
  const key = options.key ?? (await loadLocalSigningKey());
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: LOCAL_JWT_ISSUER,
    aud: LOCAL_JWT_AUDIENCE,
    sub: userId,
    iat: now,
    nbf: now,
    exp: now + (options.ttlSeconds ?? 3600),
    jti: randomUUID(),
    ...options.claims,
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}

/**
 * Checks an `Authorization` header value as API Gateway's JWT authorizer does: `Bearer` scheme,
 * signature by the local key only (ES256 only: `none`, HMAC and other keys fail), `iss`, `aud`,
 * `exp`, `nbf` and a non-empty `sub`.
 */
export async function verifyBearer(
  authorization: string | undefined,
  key?: LocalSigningKey,
  /** The clock `exp` / `nbf` are checked against. @default now */
  currentDate?: Date,
): Promise<BearerCheck> {
  const match = /^Bearer +([^ ]+) *$/i.exec(authorization ?? '');
  if (!match?.[1]) return { ok: false, message: 'missing or malformed Authorization: Bearer <JWT> header' };
  const signingKey = key ?? (await loadLocalSigningKey());
  try {
    const { payload } = await jwtVerify(match[1], signingKey.publicKey, {
      algorithms: [ALGORITHM],
      issuer: LOCAL_JWT_ISSUER,
      audience: LOCAL_JWT_AUDIENCE,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'sub'],
      ...(currentDate ? { currentDate } : {}),
    });
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      return { ok: false, message: 'token has no subject' };
    }
    return { ok: true, claims: payload as VerifiedClaims };
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ERR_JWT_INVALID';
    return { ok: false, message: `token rejected (${code})` };
  }
}

export interface BearerVerifierOptions {
  /** Verified tokens remembered, least recently used dropped first. @default 10_000 */
  readonly maxEntries?: number;
  /** Milliseconds since the epoch; tests move it. @default Date.now */
  readonly now?: () => number;
}

export interface BearerVerifier {
  (authorization: string | undefined): Promise<BearerCheck>;
  /** Tokens remembered right now (for tests). */
  cachedTokens(): number;
}

interface CachedToken {
  readonly claims: VerifiedClaims;
  /** Seconds since the epoch: the entry serves while `nbf <= now < exp`. */
  readonly exp: number;
  readonly nbf: number;
}

/**
 * `verifyBearer` for a server's life, with one fixed key, issuer and audience: a token that passed the
 * full check is remembered by its exact string (bounded LRU) and accepted again without the ECDSA
 * verification, only while `nbf <= now < exp` (stricter than the check itself, which allows 5 s of
 * skew both ways); outside that window it goes through the full check again. Rejected tokens are
 * never remembered, so the cache can only skip work for a token the check has already accepted.
 */
export function createBearerVerifier(
  key: LocalSigningKey,
  options: BearerVerifierOptions = {},
): BearerVerifier {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 0)
    throw new TypeError('createBearerVerifier: maxEntries must be a non-negative integer');
  const now = options.now ?? Date.now;
  const cache = new Map<string, CachedToken>();
  const verify = async (authorization: string | undefined): Promise<BearerCheck> => {
    const token = authorization === undefined ? undefined : /^Bearer +([^ ]+) *$/i.exec(authorization)?.[1];
    if (token !== undefined) {
      const cached = cache.get(token);
      if (cached) {
        const seconds = now() / 1000;
        cache.delete(token);
        if (seconds >= cached.nbf && seconds < cached.exp) {
          cache.set(token, cached); // most recently used last
          return { ok: true, claims: cached.claims };
        }
      }
    }
    const checkedAt = now();
    const result = await verifyBearer(authorization, key, new Date(checkedAt));
    if (!result.ok || token === undefined || maxEntries === 0) return result;
    const { exp, nbf } = result.claims;
    const seconds = checkedAt / 1000;
    const notBefore = typeof nbf === 'number' ? nbf : Number.NEGATIVE_INFINITY;
    if (typeof exp !== 'number' || !(seconds >= notBefore && seconds < exp)) return result;
    const claims = Object.freeze({ ...result.claims });
    cache.set(token, { claims, exp, nbf: notBefore });
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
    return { ok: true, claims };
  };
  return Object.assign(verify, { cachedTokens: () => cache.size });
}

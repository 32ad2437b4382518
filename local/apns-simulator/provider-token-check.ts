import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { Rejection } from './request-checks';

export interface TrustedSigningKey {
  readonly teamId: string;
  readonly keyId: string;
  /** PEM (SPKI) of the ES256 public key. */
  readonly publicKey: string;
}

/** A verified provider token: its issue time, ms since epoch. */
export interface VerifiedToken {
  readonly issuedAtMs: number;
}

const reject = (status: number, reason: string): Rejection => ({ status, reason });

/** Verifies APNs provider tokens (ES256 JWTs) like APNs: known kid, matching team, signature, age. */
export class ProviderTokenChecker {
  private readonly keys = new Map<string, { teamId: string; key: KeyObject }>();

  constructor(keys: readonly TrustedSigningKey[]) {
    for (const { keyId, teamId, publicKey } of keys)
      this.keys.set(keyId, { teamId, key: createPublicKey(publicKey) });
  }

  /** Checks a bearer JWT; returns its iat, or 403 InvalidProviderToken. Age is checked by the caller. */
  verify(jwt: string): VerifiedToken | Rejection {
    const invalid = reject(403, 'InvalidProviderToken');
    const [header, claims, signature, extra] = jwt.split('.');
    if (header === undefined || claims === undefined || signature === undefined || extra !== undefined)
      return invalid;
    const head = decodeJson(header);
    const body = decodeJson(claims);
    if (head === undefined || body === undefined || head.alg !== 'ES256' || typeof head.kid !== 'string')
      return invalid;
    const trusted = this.keys.get(head.kid);
    if (trusted === undefined || body.iss !== trusted.teamId || typeof body.iat !== 'number') return invalid;
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${claims}`),
      { key: trusted.key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature, 'base64url'),
    );
    return ok ? { issuedAtMs: body.iat * 1000 } : invalid;
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

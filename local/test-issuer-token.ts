/**
 * Tokens for a deployed stage's test issuer (docs/deploy.md, smoke check): RS256, signed with the private
 * half of the key the stack was deployed with (`-c testIssuerPublicKey=...`), `kid` = the key's RFC 7638
 * thumbprint, the same `kid` the issuer's JWKS publishes (infra/test-issuer-key.ts).
 */
import { createPrivateKey, createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, type JWK, SignJWT } from 'jose';

const ALGORITHM = 'RS256';
/** What API Gateway's JWT authorizer verifies (RSA only) and the least RS256 should use. */
const MIN_MODULUS_BITS = 2048;

export interface TestIssuerKey {
  readonly privateKey: KeyObject;
  /** RFC 7638 SHA-256 thumbprint of the public key. */
  readonly kid: string;
}

/** The test issuer's RSA private key from a PEM (PKCS#8 or PKCS#1) or private JWK file; throws a one-line reason. */
export async function loadTestIssuerKey(path: string): Promise<TestIssuerKey> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new Error(`cannot read the key file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = text.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(text) as JWK & { kty: string }, format: 'jwk' })
      : createPrivateKey(text);
  } catch {
    throw new Error(`${path} is not a private key (PEM "-----BEGIN PRIVATE KEY-----" or a private JWK)`);
  }
  if (privateKey.asymmetricKeyType !== 'rsa')
    throw new Error(
      `${path} must be an RSA key (API Gateway verifies RS256), not ${privateKey.asymmetricKeyType}`,
    );
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS)
    throw new Error(`${path} must be an RSA key of at least ${MIN_MODULUS_BITS} bits, not ${bits}`);
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  return { privateKey, kid: await calculateJwkThumbprint({ kty: 'RSA', n: publicJwk.n, e: publicJwk.e }) };
}

export interface TestIssuerTokenOptions {
  /** The issuer URL verbatim (`TestIssuerUrl`, with its trailing slash). */
  readonly issuer: string;
  readonly audience: string;
  readonly key: TestIssuerKey;
  readonly ttlSeconds: number;
}

/** A token the stage's smoke API accepts for `userId` (its `sub`). */
export function mintTestIssuerToken(userId: string, options: TestIssuerTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: ALGORITHM, kid: options.key.kid, typ: 'JWT' })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(userId)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + options.ttlSeconds)
    .sign(options.key.privateKey);
}

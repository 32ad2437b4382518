import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The public key a test issuer publishes in its JWKS, as API Gateway reads it. */
export interface PublicSigningJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  /** RFC 7638 SHA-256 thumbprint of the key (what jose's `calculateJwkThumbprint` computes). */
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
}

/** API Gateway's HTTP API JWT authorizer checks RSA signatures only; 2048 bits is the least RS256 should use. */
const MIN_MODULUS_BITS = 2048;

/**
 * Reads the test issuer's public key from `value`: a path (relative to the working directory) to a PEM
 * (`-----BEGIN PUBLIC KEY-----`) or JWK JSON file, or a JWK object given inline. Refuses private keys,
 * so a signing key can never end up in cdk.json, a command line or a template.
 * @throws Error with a one-line reason (the caller names the context key)
 */
export function readPublicSigningJwk(value: string | Record<string, unknown>): PublicSigningJwk {
  const key = typeof value === 'string' ? fromText(readKeyFile(value)) : fromJwk(value);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(
      `must be an RSA public key (API Gateway verifies only RS256-style signatures), not ${key.asymmetricKeyType}`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_MODULUS_BITS)
    throw new Error(`must be an RSA key of at least ${MIN_MODULUS_BITS} bits, not ${bits}`);
  const { n, e } = key.export({ format: 'jwk' }) as Required<Pick<JsonWebKey, 'n' | 'e'>>;
  // RFC 7638: the required members in lexicographic order, no whitespace.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
  return { kty: 'RSA', n, e, kid, alg: 'RS256', use: 'sig' };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new Error(`cannot read the key file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function fromText(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let jwk: Record<string, unknown>;
    try {
      jwk = JSON.parse(trimmed) as Record<string, unknown>;
    } catch {
      throw new Error('is a file that is neither PEM nor valid JWK JSON');
    }
    return fromJwk(jwk);
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(trimmed)) throw privateKeyError();
  try {
    return createPublicKey(trimmed);
  } catch {
    throw new Error('is not a PEM public key (expected "-----BEGIN PUBLIC KEY-----") nor a JWK');
  }
}

function fromJwk(jwk: Record<string, unknown>): KeyObject {
  if ('d' in jwk) throw privateKeyError();
  try {
    return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    throw new Error('is not a valid public JWK');
  }
}

function privateKeyError(): Error {
  return new Error(
    'is a private key: give the public half only (the private key stays with whoever signs test tokens)',
  );
}

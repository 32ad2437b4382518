import { createHash, X509Certificate } from 'node:crypto';
import { type ConnectionOptions, createSecureContext, TLSSocket } from 'node:tls';
import type { ApnsCredential } from '../../domain/apns-credential';
import { MetricName } from '../../platform/metric-names';
import type { MetricsSink } from '../../ports/metrics';
import type { ApnsTransport } from './apns-transport';

const DAY_MS = 86_400_000;

/** What the transport derives once from a credential: a stable fingerprint and the TLS client options. */
export interface CredentialMaterial {
  /** sha256 over the secret parts: equal credentials share a connection and a JWT. Never logged. */
  readonly fingerprint: string;
  /** TLS options of the client certificate; empty for token auth. */
  readonly tls: ConnectionOptions;
}

/** Fingerprint of a credential's content (a rotated secret with new material gets a new one). */
export function credentialFingerprint(credential: ApnsCredential): string {
  const hash = createHash('sha256').update(credential.bundleId).update('\0');
  if (credential.auth === 'token') {
    hash.update(`token\0${credential.teamId}\0${credential.keyId}\0${credential.signingKey}`);
  } else if ('pkcs12' in credential) {
    hash.update(`pkcs12\0${credential.pkcs12}\0${credential.passphrase ?? ''}`);
  } else {
    hash.update(`pem\0${credential.certificate}\0${credential.privateKey}\0${credential.passphrase ?? ''}`);
  }
  return hash.digest('hex');
}

/** TLS client options for a credential: the certificate and key (PEM or PKCS#12) for certificate auth. */
export function tlsClientOptions(credential: ApnsCredential): ConnectionOptions {
  if (credential.auth === 'token') return {};
  if ('pkcs12' in credential) {
    return { pfx: Buffer.from(credential.pkcs12, 'base64'), passphrase: credential.passphrase };
  }
  return { cert: credential.certificate, key: credential.privateKey, passphrase: credential.passphrase };
}

/**
 * notAfter of a certificate credential, ms since epoch; undefined for token auth.
 * PKCS#12 is opened by OpenSSL through a secure context on an unconnected TLS socket, whose
 * `getCertificate()` gives the leaf certificate without any connection.
 */
export function certificateNotAfter(credential: ApnsCredential): number | undefined {
  if (credential.auth === 'token') return undefined;
  if (!('pkcs12' in credential)) return Date.parse(new X509Certificate(credential.certificate).validTo);
  const secureContext = createSecureContext(tlsClientOptions(credential));
  const socket = new TLSSocket(null as never, { secureContext });
  try {
    const leaf = socket.getCertificate();
    if (leaf === null || !('valid_to' in leaf))
      throw new Error('the PKCS#12 credential holds no certificate');
    return Date.parse(leaf.valid_to);
  } finally {
    socket.destroy();
  }
}

/** Whole days from `now` until `notAfter` (negative once expired). */
export function daysUntil(notAfter: number, now: Date): number {
  return Math.floor((notAfter - now.getTime()) / DAY_MS);
}

/** Emits CertificateDaysLeft (dimension BundleId) for a certificate credential; nothing for token auth. */
export function reportCertificateDaysLeft(
  metrics: MetricsSink,
  apns: Pick<ApnsTransport, 'certificateDaysLeft'>,
  credential: ApnsCredential,
  now = new Date(),
): number | undefined {
  const days = apns.certificateDaysLeft(credential, now);
  if (typeof days === 'number' && Number.isFinite(days)) {
    metrics.valueBy(MetricName.CertificateDaysLeft, 'BundleId', credential.bundleId, days);
  }
  return days;
}

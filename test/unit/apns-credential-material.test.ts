import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  devPemCredential,
  devPkcs12Credential,
  devTokenCredential,
} from '../../local/apns-simulator/dev-credentials';
import {
  certificateNotAfter,
  credentialFingerprint,
  daysUntil,
  tlsClientOptions,
} from '../../shared/adapters/apns/credential-material';

const pem = devPemCredential();
const notAfter = Date.parse(new X509Certificate(pem.certificate).validTo);

describe('credential material', () => {
  it('reads notAfter from the certificate when the credential is a PEM pair', () => {
    expect(certificateNotAfter(pem)).toBe(notAfter);
  });

  it('reads the same notAfter when the credential is the PKCS#12 form', () => {
    expect(certificateNotAfter(devPkcs12Credential())).toBe(notAfter);
  });

  it('has no notAfter when the credential is token auth', () => {
    expect(certificateNotAfter(devTokenCredential())).toBeUndefined();
  });

  it('counts whole days left when given a date', () => {
    expect(daysUntil(notAfter, new Date(notAfter - 10.5 * 86_400_000))).toBe(10);
    expect(daysUntil(notAfter, new Date(notAfter + 86_400_000))).toBe(-1);
  });

  it('gives equal fingerprints when the content is equal and different ones when it differs', () => {
    expect(credentialFingerprint(devTokenCredential())).toBe(credentialFingerprint(devTokenCredential()));
    expect(credentialFingerprint(devTokenCredential('com.example.other'))).not.toBe(
      credentialFingerprint(devTokenCredential()),
    );
    expect(credentialFingerprint(pem)).not.toBe(credentialFingerprint(devPkcs12Credential()));
  });

  it('builds TLS options with pfx when the credential is PKCS#12', () => {
    const options = tlsClientOptions(devPkcs12Credential());
    expect(Buffer.isBuffer(options.pfx)).toBe(true);
    expect(options.passphrase).toBe('dev-passphrase');
    expect(tlsClientOptions(devTokenCredential())).toEqual({});
    expect(tlsClientOptions(pem)).toMatchObject({ cert: pem.certificate, key: pem.privateKey });
  });
});

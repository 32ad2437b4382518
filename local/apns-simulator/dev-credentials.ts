import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  PemCertificateCredential,
  Pkcs12CertificateCredential,
  TokenCredential,
} from '../../shared/domain/apns-credential';

/** Local-only test keys in `local/dev-keys/` (see its README). Never use them outside this machine. */
export const DEV_TEAM_ID = 'DEVTEAM001';
export const DEV_KEY_ID = 'DEVKEY0001';
export const DEV_BUNDLE_ID = 'com.example.voip';
export const DEV_PKCS12_PASSPHRASE = 'dev-passphrase';

const devKeyPath = (name: string): string => fileURLToPath(new URL(`../dev-keys/${name}`, import.meta.url));

export const devKeyPaths = {
  caCertificate: devKeyPath('ca.pem'),
  serverCertificate: devKeyPath('server.pem'),
  serverKey: devKeyPath('server.key'),
  tokenSigningKey: devKeyPath(`AuthKey_${DEV_KEY_ID}.p8`),
  tokenPublicKey: devKeyPath(`AuthKey_${DEV_KEY_ID}.pub.pem`),
  clientCertificate: devKeyPath('client.pem'),
  clientKey: devKeyPath('client.key'),
  clientPkcs12: devKeyPath('client.p12'),
} as const;

const read = (path: string): string => readFileSync(path, 'utf8');

/** PEM of the test CA that signs the simulator's server certificate and the client certificate. */
export function devCaPem(): string {
  return read(devKeyPaths.caCertificate);
}

/** Token-auth credential (team DEVTEAM001, key DEVKEY0001) that the simulator accepts by default. */
export function devTokenCredential(bundleId: string = DEV_BUNDLE_ID): TokenCredential {
  return {
    bundleId,
    auth: 'token',
    teamId: DEV_TEAM_ID,
    keyId: DEV_KEY_ID,
    signingKey: read(devKeyPaths.tokenSigningKey),
  };
}

/** Certificate credential as a PEM pair; the certificate names bundle com.example.voip. */
export function devPemCredential(bundleId: string = DEV_BUNDLE_ID): PemCertificateCredential {
  return {
    bundleId,
    auth: 'certificate',
    certificate: read(devKeyPaths.clientCertificate),
    privateKey: read(devKeyPaths.clientKey),
  };
}

/** The same client certificate as a base64 PKCS#12 with its passphrase. */
export function devPkcs12Credential(bundleId: string = DEV_BUNDLE_ID): Pkcs12CertificateCredential {
  return {
    bundleId,
    auth: 'certificate',
    pkcs12: readFileSync(devKeyPaths.clientPkcs12).toString('base64'),
    passphrase: DEV_PKCS12_PASSPHRASE,
  };
}

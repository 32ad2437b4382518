/** An APNs credential as stored in Secrets Manager (docs/contracts.md, push credentials), one per app bundle. */
export type ApnsCredential = TokenCredential | PemCertificateCredential | Pkcs12CertificateCredential;

export interface TokenCredential {
  readonly bundleId: string;
  readonly auth: 'token';
  /** 10-character Apple team id. */
  readonly teamId: string;
  /** 10-character key id of the .p8 key. */
  readonly keyId: string;
  /** PEM (PKCS#8) of the .p8 ES256 key. */
  readonly signingKey: string;
}

export interface PemCertificateCredential {
  readonly bundleId: string;
  readonly auth: 'certificate';
  readonly certificate: string;
  readonly privateKey: string;
  readonly passphrase?: string;
}

export interface Pkcs12CertificateCredential {
  readonly bundleId: string;
  readonly auth: 'certificate';
  /** base64 of the .p12 file. */
  readonly pkcs12: string;
  readonly passphrase?: string;
}

export type ApnsEnvironment = 'sandbox' | 'production';

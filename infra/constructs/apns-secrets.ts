import type { CredentialKind } from './credential-secrets';

/** The iOS apps' secrets, `<namePrefix>/apns/<bundleId>`: one APNs credential each (docs/contracts.md). */
export const APNS_CREDENTIAL: CredentialKind = {
  segment: 'apns',
  shape:
    'APNs credential JSON (one of): {"bundleId","auth":"token","teamId","keyId","signingKey":"<PEM of .p8>"} | ' +
    '{"bundleId","auth":"certificate","certificate":"<PEM>","privateKey":"<PEM>","passphrase"?} | ' +
    '{"bundleId","auth":"certificate","pkcs12":"<base64 .p12>","passphrase"?}. Load it with put-secret-value (docs/deploy.md).',
  noRotationReason:
    'APNs keys and VoIP certificates are issued by Apple in the developer portal; no Lambda can rotate them. ' +
    'Operators rotate by put-secret-value (docs/deploy.md); the sender re-reads within its cache time.',
};

import type { Construct } from 'constructs';
import { CredentialSecrets, type CredentialSecretsProps } from './credential-secrets';

export type ApnsSecretsProps = CredentialSecretsProps;

/** The value the sender expects (docs/contracts.md, push credentials), written into each secret's description. */
const SHAPE =
  'APNs credential JSON (one of): {"bundleId","auth":"token","teamId","keyId","signingKey":"<PEM of .p8>"} | ' +
  '{"bundleId","auth":"certificate","certificate":"<PEM>","privateKey":"<PEM>","passphrase"?} | ' +
  '{"bundleId","auth":"certificate","pkcs12":"<base64 .p12>","passphrase"?}. Load it with put-secret-value (docs/deploy.md).';

/** One empty secret per iOS app bundle, `<namePrefix>/apns/<bundleId>`, holding its APNs credential. */
export class ApnsSecrets extends CredentialSecrets {
  constructor(scope: Construct, id: string, props: ApnsSecretsProps) {
    super(scope, id, props, {
      segment: 'apns',
      shape: SHAPE,
      noRotationReason:
        'APNs keys and VoIP certificates are issued by Apple in the developer portal; no Lambda can rotate them. ' +
        'Operators rotate by put-secret-value (docs/deploy.md); the sender re-reads within its cache time.',
    });
  }
}

import type { Construct } from 'constructs';
import { CredentialSecrets, type CredentialSecretsProps } from './credential-secrets';

export type FcmSecretsProps = CredentialSecretsProps;

/** The value the sender expects (docs/contracts.md, Android), written into each secret's description. */
const SHAPE =
  'FCM credential JSON: {"bundleId":"<package name>","auth":"fcm","serviceAccount":{<the service-account JSON ' +
  'the Firebase console downloads: type, project_id, private_key_id, private_key, client_email, token_uri, ...>}}. ' +
  'Load it with put-secret-value (docs/deploy.md).';

/** One empty secret per Android package, `<namePrefix>/fcm/<package>`, holding its FCM service account. */
export class FcmSecrets extends CredentialSecrets {
  constructor(scope: Construct, id: string, props: FcmSecretsProps) {
    super(scope, id, props, {
      segment: 'fcm',
      shape: SHAPE,
      noRotationReason:
        'FCM service-account keys are made in the Google Cloud console; no Lambda here can create one. ' +
        'Operators rotate by put-secret-value (docs/deploy.md); the sender re-reads within its cache time.',
    });
  }
}

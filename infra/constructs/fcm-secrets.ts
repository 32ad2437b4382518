import type { CredentialKind } from './credential-secrets';

/** The Android apps' secrets, `<namePrefix>/fcm/<package>`: one FCM service account each (docs/contracts.md). */
export const FCM_CREDENTIAL: CredentialKind = {
  segment: 'fcm',
  shape:
    'FCM credential JSON: {"bundleId":"<package name>","auth":"fcm","serviceAccount":{<the service-account JSON ' +
    'the Firebase console downloads: type, project_id, private_key_id, private_key, client_email, token_uri, ...>}}. ' +
    'Load it with put-secret-value (docs/deploy.md).',
  noRotationReason:
    'FCM service-account keys are made in the Google Cloud console; no Lambda here can create one. ' +
    'Operators rotate by put-secret-value (docs/deploy.md); the sender re-reads within its cache time.',
};

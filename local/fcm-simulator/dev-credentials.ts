import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FcmCredential, FcmServiceAccount } from '../../shared/domain/fcm-credential';
import type { SimulatedServiceAccount } from './oauth';

/** Local-only FCM test keys in `local/dev-keys/` (see its README). Never use them outside this machine. */
export const DEV_FCM_PROJECT_ID = 'voip-push-dev';
export const DEV_FCM_CLIENT_EMAIL = 'fcm-sender@voip-push-dev.iam.gserviceaccount.com';
export const DEV_ANDROID_PACKAGE = 'com.example.voip';

const devKeyPath = (name: string): string => fileURLToPath(new URL(`../dev-keys/${name}`, import.meta.url));

export const devFcmKeyPaths = {
  /** The service-account JSON as the Firebase console writes it (token_uri on loopback, replaced at use). */
  serviceAccount: devKeyPath('fcm-service-account.json'),
  /** Its public key (SPKI PEM): what the simulator verifies the OAuth JWT with. */
  publicKey: devKeyPath('fcm-service-account.pub.pem'),
  caCertificate: devKeyPath('ca.pem'),
  serverCertificate: devKeyPath('server.pem'),
  serverKey: devKeyPath('server.key'),
} as const;

/** The dev service-account JSON, every field the console writes, with `token_uri` set to `tokenUri`. */
export function devServiceAccountJson(tokenUri: string): Record<string, unknown> {
  const json = JSON.parse(readFileSync(devFcmKeyPaths.serviceAccount, 'utf8')) as Record<string, unknown>;
  return { ...json, token_uri: tokenUri };
}

/** The dev FCM credential (`auth: "fcm"`) whose OAuth token comes from `tokenUri` (the simulator's). */
export function devFcmCredential(tokenUri: string, bundleId: string = DEV_ANDROID_PACKAGE): FcmCredential {
  return {
    bundleId,
    auth: 'fcm',
    serviceAccount: devServiceAccountJson(tokenUri) as unknown as FcmServiceAccount,
  };
}

/** PEM of the dev service account's public key. */
export function devFcmPublicKeyPem(): string {
  return readFileSync(devFcmKeyPaths.publicKey, 'utf8');
}

/** The dev service account as the simulator knows it: public key, key id and project. */
export function devSimulatedServiceAccount(): SimulatedServiceAccount {
  const json = devServiceAccountJson('https://127.0.0.1/token');
  return {
    clientEmail: DEV_FCM_CLIENT_EMAIL,
    projectId: DEV_FCM_PROJECT_ID,
    privateKeyId: String(json.private_key_id),
    publicKey: devFcmPublicKeyPem(),
  };
}

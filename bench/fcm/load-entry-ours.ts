/** What a sender bundle loads for FCM: the credential parser and the client (bundled by the bench). */
import { readFileSync } from 'node:fs';
import { FcmClient } from '../../shared/adapters/fcm/fcm-client';
import { parseFcmCredential } from '../../shared/domain/fcm-credential-schema';

/** Parses the credential and builds the client, as module scope would. */
export function init(serviceAccountPath: string): unknown {
  const serviceAccount = JSON.parse(readFileSync(serviceAccountPath, 'utf8')) as unknown;
  const parsed = parseFcmCredential({ bundleId: 'com.example.voip', auth: 'fcm', serviceAccount });
  if (!parsed.ok) throw new Error(parsed.problems.join(', '));
  return new FcmClient({ endpoint: 'production' });
}

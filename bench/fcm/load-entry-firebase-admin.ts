/** What a sender bundle would load with firebase-admin (bundled by the bench). */
import { cert, initializeApp } from 'firebase-admin/app';
import { getMessaging } from 'firebase-admin/messaging';

/** Builds the app from the service account and its messaging client, as module scope would. */
export function init(serviceAccountPath: string): unknown {
  return getMessaging(initializeApp({ credential: cert(serviceAccountPath) }, 'load-probe'));
}

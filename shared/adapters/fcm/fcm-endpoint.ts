/** Where `messages:send` goes. `key` tells sessions of different targets apart. */
export interface FcmTarget {
  readonly key: string;
  readonly host: string;
  readonly port: number;
}

export const FCM_PRODUCTION_URL = 'https://fcm.googleapis.com';

/** `production` (or nothing) for Google's host, or an `https://host:port` URL such as the simulator's. */
export function fcmTarget(endpoint: string | undefined): FcmTarget {
  const url = new URL(
    endpoint === undefined || endpoint === '' || endpoint === 'production' ? FCM_PRODUCTION_URL : endpoint,
  );
  if (url.protocol !== 'https:') throw new Error('the FCM endpoint must be an https:// URL or production');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return { key: `${host}:${port}`, host, port };
}

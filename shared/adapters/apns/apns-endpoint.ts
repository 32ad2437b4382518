import type { ApnsEnvironment } from '../../domain/apns-credential';

/** Where a request goes; `key` names its connection slot per credential. */
export interface ApnsTarget {
  readonly key: string;
  readonly host: string;
  readonly port: number;
}

const HOSTS: Record<ApnsEnvironment, string> = {
  sandbox: 'api.sandbox.push.apple.com',
  production: 'api.push.apple.com',
};

const appleHost = (environment: ApnsEnvironment): ApnsTarget => ({
  key: environment,
  host: HOSTS[environment],
  port: 443,
});

/**
 * The target of each environment: Apple's host of the request's environment by default; with an
 * endpoint (`sandbox`, `production` or an `https://host:port` URL) that one for both.
 */
export function apnsTargets(endpoint: string | undefined): Record<ApnsEnvironment, ApnsTarget> {
  if (endpoint === undefined || endpoint === '') {
    return { sandbox: appleHost('sandbox'), production: appleHost('production') };
  }
  if (endpoint === 'sandbox' || endpoint === 'production') {
    const fixed = appleHost(endpoint);
    return { sandbox: fixed, production: fixed };
  }
  const url = new URL(endpoint);
  if (url.protocol !== 'https:')
    throw new Error('the APNs endpoint must be an https:// URL, sandbox or production');
  const fixed = {
    key: 'endpoint',
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 443),
  };
  return { sandbox: fixed, production: fixed };
}

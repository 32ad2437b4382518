import { describe, expect, it } from '@jest/globals';
import { apnsTargets } from '../../shared/adapters/apns/apns-endpoint';

describe('apnsTargets', () => {
  it("follows the request's environment when no endpoint is given", () => {
    expect(apnsTargets(undefined)).toEqual({
      sandbox: { key: 'sandbox', host: 'api.sandbox.push.apple.com', port: 443 },
      production: { key: 'production', host: 'api.push.apple.com', port: 443 },
    });
  });

  it('sends both environments to one Apple host when the endpoint names it', () => {
    const targets = apnsTargets('production');
    expect(targets.sandbox).toEqual({ key: 'production', host: 'api.push.apple.com', port: 443 });
    expect(targets.production).toBe(targets.sandbox);
  });

  it('sends both environments to the URL when the endpoint is a URL', () => {
    expect(apnsTargets('https://127.0.0.1:2197').sandbox).toEqual({
      key: 'endpoint',
      host: '127.0.0.1',
      port: 2197,
    });
    expect(apnsTargets('https://[::1]').production).toEqual({ key: 'endpoint', host: '::1', port: 443 });
  });

  it('throws when the endpoint is not https', () => {
    expect(() => apnsTargets('http://127.0.0.1:2197')).toThrow('https://');
  });
});

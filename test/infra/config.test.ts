import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseConfig } from '../../infra/config';
import { cdkJsonContext } from './synth-app';

function parseWith(overrides: Record<string, unknown>) {
  const context = { ...cdkJsonContext(), ...overrides };
  return parseConfig((key) => context[key]);
}

describe('parseConfig', () => {
  it('accepts the defaults when cdk.json is used as is', () => {
    const config = parseWith({});
    expect(config.stage).toBe('dev');
    expect(config.apps).toEqual([
      { platform: 'ios', bundleId: 'com.example.voip', environments: ['sandbox', 'production'] },
    ]);
    expect(config.senderTimeoutSeconds).toBe(30);
    expect(config.senderMemoryMb).toBe(512);
  });

  it('reads strings as numbers, lists and JSON when values come from -c on the command line', () => {
    const config = parseWith({
      stage: 'prod',
      senderMaxConcurrency: '5',
      receiptRateFloor: '0.9',
      jwtAudience: 'ios-app, android-app',
      senderPrincipals: '123456789012,arn:aws:iam::210987654321:role/call-control',
      apps: '[{"bundleId":"com.acme.phone","environments":["production"]}]',
      throttle: '{"rateLimit":10,"burstLimit":20}',
      alarmEmail: 'oncall@example.com',
    });
    expect(config).toMatchObject({
      stage: 'prod',
      senderMaxConcurrency: 5,
      receiptRateFloor: 0.9,
      jwtAudience: ['ios-app', 'android-app'],
      senderPrincipals: ['123456789012', 'arn:aws:iam::210987654321:role/call-control'],
      apps: [{ platform: 'ios', bundleId: 'com.acme.phone', environments: ['production'] }],
      throttle: { rateLimit: 10, burstLimit: 20 },
      alarmEmail: 'oncall@example.com',
    });
  });

  it('reads an android app, which has no environments, beside an iOS app of the same id', () => {
    const config = parseWith({
      apps: [
        { bundleId: 'com.acme.phone', environments: ['production'] },
        { platform: 'android', bundleId: 'com.acme.phone' },
        { platform: 'android', bundleId: 'com.acme.phone_beta' },
      ],
    });
    expect(config.apps).toEqual([
      { platform: 'ios', bundleId: 'com.acme.phone', environments: ['production'] },
      { platform: 'android', bundleId: 'com.acme.phone' },
      { platform: 'android', bundleId: 'com.acme.phone_beta' },
    ]);
  });

  it.each([
    ['stage', 'qa', /"stage": must be one of dev, staging, prod/],
    ['jwtIssuer', 'http://auth.example.com/', /"jwtIssuer": must be an https URL/],
    ['jwtIssuer', undefined, /"jwtIssuer": is required/],
    ['jwtAudience', [], /"jwtAudience": must list at least one audience/],
    ['apps', [], /"apps": must list at least one app/],
    ['apps', [{ bundleId: 'voip', environments: ['sandbox'] }], /"apps\.0\.bundleId": must be a bundle id/],
    ['apps', [{ bundleId: 'com.a.b', environments: ['staging'] }], /"apps\.0\.environments\.0"/],
    [
      'apps',
      [
        { bundleId: 'com.a.b', environments: ['sandbox'] },
        { bundleId: 'com.a.b', environments: ['production'] },
      ],
      /"apps": bundle ids must be unique per platform: ios:com\.a\.b is listed twice/,
    ],
    [
      'apps',
      [{ platform: 'android', bundleId: 'com.a.b', environments: ['production'] }],
      /"apps\.0\.environments": must not be set for an android app/,
    ],
    [
      'apps',
      [{ platform: 'android', bundleId: 'com.a-b' }],
      /"apps\.0\.bundleId": must be an Android package name/,
    ],
    [
      'apps',
      [{ platform: 'android', bundleId: 'com.9b.c' }],
      /"apps\.0\.bundleId": must be an Android package name/,
    ],
    [
      'apps',
      [{ platform: 'windows', bundleId: 'com.a.b' }],
      /"apps\.0\.platform": must be "ios" or "android"/,
    ],
    ['apps', [{ bundleId: 'com.a.b' }], /"apps\.0\.environments": is required for an ios app/],
    [
      'apps',
      [{ platform: 'android', bundleId: `com.${'a'.repeat(152)}` }],
      /"apps\.0\.bundleId": must be at most 155 characters/,
    ],
    [
      'apps',
      [
        { bundleId: 'com.a.b', environments: ['sandbox'] },
        { platform: 'android', bundleId: 'com.a.c' },
        { platform: 'android', bundleId: 'com.a.c' },
      ],
      /"apps": bundle ids must be unique per platform: android:com\.a\.c is listed twice/,
    ],
    [
      'apps',
      '[{"platform":"android","bundleId":"com.a.b","environments":["sandbox"]}]',
      /"apps\.0\.environments": must not be set for an android app/,
    ],
    [
      'senderPrincipals',
      ['12345'],
      /"senderPrincipals\.0": must be a 12-digit account id or an IAM role ARN/,
    ],
    ['senderMaxConcurrency', 1, /"senderMaxConcurrency": must be at least 2/],
    ['receiptRateFloor', 1.5, /"receiptRateFloor": must be a fraction/],
    ['throttle', { rateLimit: 10 }, /"throttle\.burstLimit"/],
    ['alarmEmail', 'not-an-address', /"alarmEmail": must be an e-mail address/],
    ['apps', '[{"bundleId":', /"apps": not valid JSON/],
  ])('throws one error naming %s when it is %j', (key, value, message) => {
    expect(() => parseWith({ [key]: value })).toThrow(ConfigError);
    expect(() => parseWith({ [key]: value })).toThrow(message);
  });
});

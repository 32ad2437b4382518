import { describe, expect, it } from '@jest/globals';
import { parseSmokeArgs } from '../../scripts/smoke-args';

describe('smoke arguments', () => {
  it('signs with the test issuer key and waits 60 s when a stage and --key are given', () => {
    expect(parseSmokeArgs(['--stage', 'dev', '--region', 'eu-west-1', '--key', 'k.pem'])).toEqual({
      ok: true,
      where: { kind: 'deployed', stage: 'dev', region: 'eu-west-1' },
      auth: { kind: 'test-issuer', keyFile: 'k.pem' },
      platforms: ['ios'],
      environment: 'sandbox',
      timeoutSeconds: 60,
    });
  });

  it('uses the local key, waits 15 s and lower-cases the token when --local is given', () => {
    expect(parseSmokeArgs(['--local', '--user', 'u1', '--voip-token', 'AB'.repeat(32)])).toEqual({
      ok: true,
      where: { kind: 'local' },
      auth: { kind: 'local-key', userId: 'u1' },
      platforms: ['ios'],
      voipToken: 'ab'.repeat(32),
      environment: 'sandbox',
      timeoutSeconds: 15,
    });
  });

  it('takes a bearer token file, a bundle, production and a timeout when they are given', () => {
    expect(
      parseSmokeArgs([
        '--stage=prod',
        '--bearer-file',
        't.jwt',
        '--bundle-id',
        'com.x.app',
        '--environment',
        'production',
        '--timeout',
        '120',
      ]),
    ).toEqual({
      ok: true,
      where: { kind: 'deployed', stage: 'prod' },
      auth: { kind: 'bearer-file', file: 't.jwt' },
      platforms: ['ios'],
      bundleId: 'com.x.app',
      environment: 'production',
      timeoutSeconds: 120,
    });
  });

  it('rings an Android device with its FCM token kept as given when --platform android is given', () => {
    const fcmToken = 'dGVzdA:APA91b_Case-Sensitive';
    expect(
      parseSmokeArgs([
        '--local',
        '--platform',
        'android',
        '--fcm-token',
        fcmToken,
        '--bundle-id',
        'com.x.app',
      ]),
    ).toEqual({
      ok: true,
      where: { kind: 'local' },
      auth: { kind: 'local-key' },
      platforms: ['android'],
      fcmToken,
      bundleId: 'com.x.app',
      environment: 'sandbox',
      timeoutSeconds: 15,
    });
  });

  it('rings an iPhone and an Android device, each with its token, when --platform both is given', () => {
    const parsed = parseSmokeArgs([
      '--stage',
      'dev',
      '--key',
      'k.pem',
      '--platform=both',
      '--voip-token',
      'ab'.repeat(32),
      '--fcm-token',
      'tok:APA91b',
      '--environment',
      'production',
    ]);
    expect(parsed).toMatchObject({
      ok: true,
      platforms: ['ios', 'android'],
      voipToken: 'ab'.repeat(32),
      fcmToken: 'tok:APA91b',
      environment: 'production',
    });
  });

  it('refuses a flag of the other platform with the flag to use when the platforms do not match', () => {
    const cases: [string[], string][] = [
      [
        ['--local', '--platform', 'android', '--voip-token', 'ab'.repeat(32)],
        '--voip-token is for an iPhone: give --fcm-token with --platform android',
      ],
      [
        ['--local', '--platform', 'android', '--environment', 'production'],
        '--environment is an APNs setting: an Android device has none',
      ],
      [
        ['--local', '--fcm-token', 'tok'],
        '--fcm-token is for an Android device: add --platform android (or both)',
      ],
      [
        ['--local', '--platform', 'ios', '--fcm-token', 'tok'],
        '--fcm-token is for an Android device: add --platform android (or both)',
      ],
      [['--local', '--platform', 'windows'], '--platform must be ios, android or both, got "windows"'],
      [['--local', '--platform', 'toString'], '--platform must be ios, android or both, got "toString"'],
      [
        ['--local', '--platform', 'android', '--fcm-token', 'has space'],
        '--fcm-token must be 1-4096 characters of A-Z a-z 0-9 _ : -',
      ],
      [
        ['--local', '--platform', 'android', '--fcm-token', 'a'.repeat(4097)],
        '--fcm-token must be 1-4096 characters of A-Z a-z 0-9 _ : -',
      ],
    ];
    for (const [argv, message] of cases) expect(parseSmokeArgs(argv)).toEqual({ ok: false, message });
  });

  it('names the problem when the arguments contradict each other or are out of range', () => {
    const cases: [string[], string][] = [
      [[], 'give exactly one of --stage <stage> or --local'],
      [['--stage', 'dev', '--local'], 'give exactly one of --stage <stage> or --local'],
      [['--stage', 'dev'], 'a deployed stage needs --key <test issuer key file> or --bearer-file <file>'],
      [['--stage', 'dev', '--key', 'k', '--bearer-file', 't'], 'give --key or --bearer-file, not both'],
      [['--local', '--key', 'k'], '--local signs with the local key: no --key or --bearer-file'],
      [['--local', '--region', 'eu-west-1'], '--region is for a deployed stage, not --local'],
      [
        ['--stage', 'dev', '--bearer-file', 't', '--user', 'u'],
        '--user is the subject of a signed token: the bearer token has its own',
      ],
      [['--stage', 'a b', '--key', 'k'], '--stage must be a stage name, got "a b"'],
      [['--local', '--voip-token', 'abc'], '--voip-token must be an even number of 32-400 hex digits'],
      [['--local', '--environment', 'staging'], '--environment must be sandbox or production, got "staging"'],
      [['--local', '--timeout', '0'], '--timeout must be 1-600 seconds, got "0"'],
      [['--local', '--timeout', '1.5'], '--timeout must be 1-600 seconds, got "1.5"'],
    ];
    for (const [argv, message] of cases) expect(parseSmokeArgs(argv)).toEqual({ ok: false, message });
  });

  it('reports an unknown option in one line when one is given', () => {
    const parsed = parseSmokeArgs(['--local', '--token', 'x']);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toMatch(/^Unknown option '--token'/);
  });
});

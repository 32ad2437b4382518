import { describe, expect, it } from '@jest/globals';
import { parseDevTokenArgs, parseLifetime } from '../../local/dev-token-args';

describe('dev-token arguments', () => {
  it('reads seconds and s/m/h/d lifetimes when they are within 1 s to 366 d', () => {
    expect(parseLifetime('600')).toBe(600);
    expect(parseLifetime('90s')).toBe(90);
    expect(parseLifetime('10m')).toBe(600);
    expect(parseLifetime('12h')).toBe(43_200);
    expect(parseLifetime('7d')).toBe(604_800);
    for (const bad of ['0', '0m', '-1', '1.5h', '10 m', 'ten', '', '367d', '1w']) {
      expect(parseLifetime(bad)).toBeUndefined();
    }
  });

  it('takes user ids after the options and after -- even when they start with a dash', () => {
    expect(parseDevTokenArgs(['--ttl', '5m', 'a', 'b'])).toEqual({
      ok: true,
      ttlSeconds: 300,
      userIds: ['a', 'b'],
    });
    expect(parseDevTokenArgs(['--', '-odd'])).toEqual({ ok: true, ttlSeconds: 3600, userIds: ['-odd'] });
    expect(parseDevTokenArgs(['u1', '--ttl'])).toEqual({
      ok: true,
      ttlSeconds: 3600,
      userIds: ['u1', '--ttl'],
    });
  });

  it('names the problem when an option is unknown or no user id is left', () => {
    expect(parseDevTokenArgs(['--lifetime', '5m', 'u1'])).toEqual({
      ok: false,
      message: 'unknown option --lifetime',
    });
    expect(parseDevTokenArgs(['--ttl', '5m'])).toEqual({ ok: false, message: 'no user id given' });
    expect(parseDevTokenArgs(['u1', ''])).toEqual({ ok: false, message: 'a user id is empty' });
  });
});

describe('dev-token test-issuer arguments', () => {
  const issuer = 'https://abc.lambda-url.eu-west-1.on.aws/';

  it('signs for the issuer with a 10-minute default when --issuer, --key and --audience are all given', () => {
    expect(
      parseDevTokenArgs(['--issuer', issuer, '--key=k.pem', '--audience', 'voip-push-smoke', 'u1']),
    ).toEqual({
      ok: true,
      ttlSeconds: 600,
      userIds: ['u1'],
      issuer: { issuer, keyFile: 'k.pem', audience: 'voip-push-smoke' },
    });
    expect(
      parseDevTokenArgs(['--ttl', '2m', '--issuer', issuer, '--key', 'k', '--audience', 'a', 'u1']),
    ).toMatchObject({ ok: true, ttlSeconds: 120 });
  });

  it('names what is missing when the issuer options come incomplete or alone', () => {
    expect(parseDevTokenArgs(['--issuer', issuer, '--key', 'k', 'u1'])).toEqual({
      ok: false,
      message: '--issuer needs --key and --audience',
    });
    expect(parseDevTokenArgs(['--key', 'k', 'u1'])).toEqual({
      ok: false,
      message: '--key and --audience go with --issuer',
    });
    expect(parseDevTokenArgs(['--audience=', 'u1'])).toEqual({
      ok: false,
      message: '--audience needs a value',
    });
  });

  it('refuses an issuer that is not an https URL when one is given', () => {
    for (const bad of ['abc', 'http://abc.example/']) {
      expect(parseDevTokenArgs(['--issuer', bad, '--key', 'k', '--audience', 'a', 'u1'])).toMatchObject({
        ok: false,
        message: expect.stringContaining('--issuer must be'),
      });
    }
  });
});

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

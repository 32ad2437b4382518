import { describe, expect, it } from '@jest/globals';
import { phonesOptionsFromEnv } from '../../local/phones';

describe('phonesOptionsFromEnv', () => {
  it('answers every registered phone after 50 ms and drops nothing when nothing is set', () => {
    expect(phonesOptionsFromEnv({})).toEqual({ enabled: true, delayMs: 50, dropRate: 0 });
  });

  it('reads the delay, drop rate and live tokens when they are set', () => {
    const settings = phonesOptionsFromEnv({
      PHONE_RECEIPT_DELAY_MS: '5',
      PHONE_RECEIPT_DROP_RATE: '0.25',
      PHONE_LIVE_TOKENS: 'AB12, cd34',
    });
    expect(settings).toEqual({
      enabled: true,
      delayMs: 5,
      dropRate: 0.25,
      liveTokens: new Set(['ab12', 'cd34']),
    });
  });

  it('turns the phones off when PHONE_RECEIPTS is off', () => {
    expect(phonesOptionsFromEnv({ PHONE_RECEIPTS: 'OFF' }).enabled).toBe(false);
  });

  it('refuses a drop rate outside 0 to 1 when it is misconfigured', () => {
    expect(() => phonesOptionsFromEnv({ PHONE_RECEIPT_DROP_RATE: '2' })).toThrow(/PHONE_RECEIPT_DROP_RATE/);
  });
});

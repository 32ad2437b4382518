import { describe, expect, it } from '@jest/globals';
import { loadRegisterConfig } from '../../functions/register/config';

describe('loadRegisterConfig', () => {
  it('applies the defaults when only the table name is set', () => {
    expect(loadRegisterConfig({ DEVICES_TABLE_NAME: 'devices' })).toEqual({
      devicesTableName: 'devices',
      maxDevicesPerUser: 20,
      deviceTtlDays: 180,
    });
  });

  it('reads the cap, the TTL and the local endpoint when they are set', () => {
    const config = loadRegisterConfig({
      DEVICES_TABLE_NAME: 'devices',
      MAX_DEVICES_PER_USER: '5',
      DEVICE_TTL_DAYS: '30',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    });
    expect(config).toEqual({
      devicesTableName: 'devices',
      maxDevicesPerUser: 5,
      deviceTtlDays: 30,
      dynamodbEndpoint: 'http://127.0.0.1:8000',
    });
  });

  it('names every bad variable when the configuration is invalid', () => {
    expect(() => loadRegisterConfig({ MAX_DEVICES_PER_USER: '0', DEVICE_TTL_DAYS: '1.5' })).toThrow(
      /DEVICES_TABLE_NAME.*MAX_DEVICES_PER_USER.*DEVICE_TTL_DAYS/,
    );
  });

  it('reads KNOWN_APPS by platform when it lists apps, spaces and a trailing comma allowed', () => {
    const { knownApps } = loadRegisterConfig({
      DEVICES_TABLE_NAME: 'devices',
      KNOWN_APPS: 'ios:com.example.voip , android:com.example.voip,android:com.example.my_app,',
    });
    expect(knownApps?.get('ios')).toEqual(new Set(['com.example.voip']));
    expect(knownApps?.get('android')).toEqual(new Set(['com.example.voip', 'com.example.my_app']));
  });

  it.each(['', '  '])('leaves knownApps unset, accepting any app, when KNOWN_APPS is %p', (value) => {
    expect(loadRegisterConfig({ DEVICES_TABLE_NAME: 'devices', KNOWN_APPS: value })).not.toHaveProperty(
      'knownApps',
    );
  });

  it.each([
    ['no platform', 'com.example.voip', '"com.example.voip" is not <ios|android>:<bundleId>'],
    ['an unknown platform', 'web:com.example.voip', '"web:com.example.voip" is not'],
    ['an upper-case platform', 'IOS:com.example.voip', '"IOS:com.example.voip" is not'],
    ['an empty bundle id', 'ios:', '"ios:" is not'],
    ['a third part', 'ios:com.example.voip:x', '"ios:com.example.voip:x" is not'],
    ['another separator', 'ios:a.b;android:c.d', '"ios:a.b;android:c.d" is not'],
    ['a bundle id with a space', 'ios:com.example voip', '"ios:com.example voip" is not'],
    ['only commas', ' , ,', 'names no app'],
  ])('refuses KNOWN_APPS with %s, naming the variable and the entry', (_what, value, message) => {
    const load = () => loadRegisterConfig({ DEVICES_TABLE_NAME: 'devices', KNOWN_APPS: value });
    expect(load).toThrow(/^invalid register configuration: KNOWN_APPS /);
    expect(load).toThrow(message);
  });
});

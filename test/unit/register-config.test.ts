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
});

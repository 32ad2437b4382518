import { describe, expect, it } from '@jest/globals';
import { loadSenderConfig } from '../../functions/sender/config';

const base = { DEVICES_TABLE_NAME: 'devices', DELIVERIES_TABLE_NAME: 'deliveries' };

describe('loadSenderConfig', () => {
  it('reads secret ids, defaults and local endpoints when APNS_SECRET_ARNS is set', () => {
    expect(
      loadSenderConfig({
        ...base,
        APNS_SECRET_ARNS: 'arn:a, arn:b,',
        DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
        DLQ_URL: 'http://127.0.0.1:9324/q/dlq',
      }),
    ).toEqual({
      devicesTableName: 'devices',
      deliveriesTableName: 'deliveries',
      deliveryTtlDays: 7,
      retryAmbiguousPushes: true,
      credentials: { kind: 'secrets', secretIds: ['arn:a', 'arn:b'], cacheSeconds: 300 },
      dynamodbEndpoint: 'http://127.0.0.1:8000',
      dlqUrl: 'http://127.0.0.1:9324/q/dlq',
    });
  });

  it('uses the credentials file when only APNS_CREDENTIALS_FILE is set', () => {
    const config = loadSenderConfig({
      ...base,
      APNS_CREDENTIALS_FILE: 'apns.json',
      CREDENTIAL_CACHE_SECONDS: '60',
      DELIVERY_TTL_DAYS: '3',
    });
    expect(config.credentials).toEqual({ kind: 'file', path: 'apns.json' });
    expect(config.deliveryTtlDays).toBe(3);
  });

  it('retries ambiguous pushes unless RETRY_AMBIGUOUS_PUSHES is false', () => {
    const env = { ...base, APNS_SECRET_ARNS: 'arn:a' };
    expect(loadSenderConfig(env).retryAmbiguousPushes).toBe(true);
    expect(loadSenderConfig({ ...env, RETRY_AMBIGUOUS_PUSHES: 'false' }).retryAmbiguousPushes).toBe(false);
    expect(loadSenderConfig({ ...env, RETRY_AMBIGUOUS_PUSHES: 'true' }).retryAmbiguousPushes).toBe(true);
    expect(() => loadSenderConfig({ ...env, RETRY_AMBIGUOUS_PUSHES: 'yes' })).toThrow(
      /RETRY_AMBIGUOUS_PUSHES/,
    );
  });

  it('names every missing or bad variable when the environment is incomplete', () => {
    expect(() => loadSenderConfig({ DELIVERY_TTL_DAYS: 'x' })).toThrow(
      /DEVICES_TABLE_NAME.*DELIVERIES_TABLE_NAME.*DELIVERY_TTL_DAYS/,
    );
    expect(() => loadSenderConfig(base)).toThrow(
      /APNS_SECRET_ARNS, FCM_SECRET_ARNS, APNS_CREDENTIALS_FILE or FCM_CREDENTIALS_FILE is required/,
    );
  });
});

import { afterAll, describe, expect, it } from '@jest/globals';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/services/dynamodb-local';
import { aLambdaContext } from '../kit/lambda';
import { createTestTables } from '../support/local-aws';

const savedEnv = { ...process.env };
afterAll(() => {
  process.env = savedEnv;
});

describe('register Lambda wired to DynamoDB Local', () => {
  it('registers and lists through the module-scope repository when DYNAMODB_ENDPOINT is set', async () => {
    const names = await createTestTables();
    Object.assign(process.env, {
      DEVICES_TABLE_NAME: names.devices,
      DYNAMODB_ENDPOINT: process.env.TEST_DYNAMODB_ENDPOINT,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const { handler } = await import('../../functions/register/handler');
    const context = aLambdaContext(3000);
    const base = {
      version: '2.0',
      rawQueryString: '',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      isBase64Encoded: false,
    };
    const auth = { jwt: { claims: { sub: 'wired-user' }, scopes: [] } };
    const put = await handler(
      {
        ...base,
        routeKey: 'PUT /v1/devices/{deviceId}',
        rawPath: '/v1/devices/phone',
        pathParameters: { deviceId: 'phone' },
        body: JSON.stringify({
          bundleId: 'com.example.app',
          environment: 'sandbox',
          voipToken: 'ef'.repeat(32),
        }),
        requestContext: { http: { method: 'PUT', path: '/v1/devices/phone' }, authorizer: auth },
      } as never,
      context,
    );
    expect(put.statusCode).toBe(200);
    const list = await handler(
      {
        ...base,
        routeKey: 'GET /v1/devices',
        rawPath: '/v1/devices',
        requestContext: { http: { method: 'GET', path: '/v1/devices' }, authorizer: auth },
      } as never,
      context,
    );
    expect(JSON.parse(list.body as string).devices).toEqual([expect.objectContaining({ deviceId: 'phone' })]);
  });
});

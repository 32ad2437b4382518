import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApi, type TestApi, tokenFor } from '../support/local-api';

let api: TestApi;
let token: string;

beforeAll(async () => {
  api = await startTestApi();
  token = await tokenFor('receipts-user');
  const device = { bundleId: 'com.example.voip', environment: 'sandbox', voipToken: '5c'.repeat(32) };
  expect((await api.call('PUT', '/v1/devices/r-phone', { token, body: device })).status).toBe(200);
});

afterAll(() => api.close());

type ErrorBody = { error: { code: string } };

describe('receipts API over HTTP', () => {
  it('answers 401 without calling the handler when the token is missing', async () => {
    const res = await api.call('POST', '/v1/calls/c-1/receipts', {
      body: { deviceId: 'r-phone', stage: 'received' },
    });
    expect(res.status).toBe(401);
    expect((res.json as ErrorBody).error.code).toBe('unauthorized');
  });

  it('answers 404 when the call is unknown', async () => {
    const res = await api.call('POST', '/v1/calls/c-unknown/receipts', {
      token,
      body: { deviceId: 'r-phone', stage: 'received' },
    });
    expect(res.status).toBe(404);
    expect((res.json as ErrorBody).error.code).toBe('not_found');
  });

  it('answers 400 naming stage when the stage is not one of the contract', async () => {
    const res = await api.call('POST', '/v1/calls/c-1/receipts', {
      token,
      body: { deviceId: 'r-phone', stage: 'rang' },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain('stage');
  });

  it('answers 404 from the server when the method does not match the receipts route', async () => {
    expect((await api.call('GET', '/v1/calls/c-1/receipts', { token })).status).toBe(404);
  });
});

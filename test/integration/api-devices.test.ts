import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApi, type TestApi, tokenFor } from '../support/local-api';

const VOIP = 'ab'.repeat(32);
const ALERT = 'cd'.repeat(32);
const device = { bundleId: 'com.example.app', environment: 'sandbox', voipToken: VOIP };

let api: TestApi;
let token: string;

beforeAll(async () => {
  api = await startTestApi();
  token = await tokenFor('user-devices');
});

afterAll(() => api.close());

type ErrorBody = {
  error: { code: string; message: string; details?: Array<{ field: string; problem: string }> };
};

async function expectInvalid(deviceId: string, body: unknown, field: string): Promise<void> {
  const res = await api.call('PUT', `/v1/devices/${deviceId}`, { token, body });
  expect(res.status).toBe(400);
  const error = (res.json as ErrorBody).error;
  expect(error.code).toBe('invalid_request');
  expect(error.details?.map((d) => d.field)).toContain(field);
}

describe('registration API over HTTP: happy paths', () => {
  it('stores, lists and deletes a device when the owner calls PUT, GET and DELETE', async () => {
    const put = await api.call('PUT', '/v1/devices/phone-1', {
      token,
      body: {
        ...device,
        voipToken: VOIP.toUpperCase(),
        alertToken: ALERT,
        appVersion: '1.4.2 (381)',
        locale: 'en-US',
      },
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('content-type')).toContain('application/json');
    expect(put.json).toMatchObject({
      deviceId: 'phone-1',
      bundleId: 'com.example.app',
      environment: 'sandbox',
      voipToken: VOIP,
      alertToken: ALERT,
      appVersion: '1.4.2 (381)',
      locale: 'en-US',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    const list = await api.call('GET', '/v1/devices', { token });
    expect(list.status).toBe(200);
    expect((list.json as { devices: Array<{ deviceId: string }> }).devices.map((d) => d.deviceId)).toEqual([
      'phone-1',
    ]);

    const del = await api.call('DELETE', '/v1/devices/phone-1', { token });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await api.call('GET', '/v1/devices', { token })).json).toEqual({ devices: [] });

    const again = await api.call('DELETE', '/v1/devices/phone-1', { token });
    expect(again.status).toBe(204);
  });

  it('keeps createdAt and updates fields when the same device registers again', async () => {
    const first = (await api.call('PUT', '/v1/devices/phone-2', { token, body: device })).json as {
      createdAt: string;
    };
    const second = await api.call('PUT', '/v1/devices/phone-2', {
      token,
      body: { ...device, environment: 'production' },
    });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ environment: 'production', createdAt: first.createdAt });
    await api.call('DELETE', '/v1/devices/phone-2', { token });
  });

  it('accepts a device id with every allowed character and the longest tokens when they are valid', async () => {
    const id = `Aa0._:-${'x'.repeat(121)}`;
    const res = await api.call('PUT', `/v1/devices/${encodeURIComponent(id)}`, {
      token,
      body: { ...device, voipToken: 'ef'.repeat(200), alertToken: '01'.repeat(16) },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ deviceId: id });
    await api.call('DELETE', `/v1/devices/${encodeURIComponent(id)}`, { token });
  });
});

describe('registration API over HTTP: validation', () => {
  it('names deviceId when it has a forbidden character or is too long', async () => {
    await expectInvalid('bad%20id', device, 'deviceId');
    await expectInvalid('x'.repeat(129), device, 'deviceId');
    await expectInvalid('a%2Fb', device, 'deviceId');
  });

  it('names bundleId when it is missing or not reverse-DNS', async () => {
    await expectInvalid('d1', { ...device, bundleId: undefined }, 'bundleId');
    await expectInvalid('d1', { ...device, bundleId: 'no dots' }, 'bundleId');
  });

  it('names environment when it is neither sandbox nor production', async () => {
    await expectInvalid('d1', { ...device, environment: 'staging' }, 'environment');
  });

  it('names voipToken when it is non-hex, odd, too short or too long', async () => {
    await expectInvalid('d1', { ...device, voipToken: 'zz'.repeat(32) }, 'voipToken');
    await expectInvalid('d1', { ...device, voipToken: `${VOIP}a` }, 'voipToken');
    await expectInvalid('d1', { ...device, voipToken: 'ab'.repeat(15) }, 'voipToken');
    await expectInvalid('d1', { ...device, voipToken: 'ab'.repeat(201) }, 'voipToken');
    await expectInvalid('d1', { ...device, voipToken: undefined }, 'voipToken');
  });

  it('names alertToken when it is not a valid token', async () => {
    await expectInvalid('d1', { ...device, alertToken: 'not-hex' }, 'alertToken');
  });

  it('names an unknown field when the body has one', async () => {
    await expectInvalid('d1', { ...device, userId: 'someone-else' }, 'userId');
  });

  it('names appVersion and locale when they are too long', async () => {
    await expectInvalid('d1', { ...device, appVersion: '1'.repeat(65) }, 'appVersion');
    await expectInvalid('d1', { ...device, locale: `en-${'a'.repeat(40)}` }, 'locale');
  });

  it('answers 400 when the JSON is malformed', async () => {
    const res = await api.call('PUT', '/v1/devices/d1', { token, body: '{"bundleId": ' });
    expect(res.status).toBe(400);
    expect((res.json as ErrorBody).error.code).toBe('invalid_request');
  });

  it('answers 400 when the body is JSON but not an object', async () => {
    await expectInvalid('d1', [device], 'body');
  });

  it('answers 413 when the body is over 8 KiB', async () => {
    const res = await api.call('PUT', '/v1/devices/d1', {
      token,
      body: { ...device, pad: 'x'.repeat(8200) },
    });
    expect(res.status).toBe(413);
    expect((res.json as ErrorBody).error.code).toBe('payload_too_large');
  });

  it('answers 415 when the body is not JSON', async () => {
    const res = await api.call('PUT', '/v1/devices/d1', {
      token,
      body: 'bundleId=com.example.app',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect((res.json as ErrorBody).error.code).toBe('unsupported_media_type');
    const binary = await api.call('PUT', '/v1/devices/d1', {
      token,
      body: 'abc',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(binary.status).toBe(415);
  });

  it('stores nothing when a registration is rejected', async () => {
    expect((await api.call('GET', '/v1/devices', { token })).json).toEqual({ devices: [] });
  });
});

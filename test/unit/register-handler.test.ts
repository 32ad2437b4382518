import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from '@jest/globals';
import { createRegisterHandler, type RegisterApiEvent } from '../../functions/register/create-handler';
import { type KnownApps, parseKnownApps } from '../../shared/domain/known-apps';
import type { HttpResult } from '../../shared/platform/http/responses';
import { InMemoryDeviceRepository } from '../fakes/in-memory-device-repository';
import { anHttpApiEvent } from '../kit/http-api';
import { aLambdaContext } from '../kit/lambda';

const VOIP = 'ab'.repeat(32);
const context = aLambdaContext(3000, 'register');

interface Call {
  method: string;
  path: string;
  body?: string | object;
  sub?: string | null;
  headers?: Record<string, string>;
  base64?: boolean;
  routeKey?: string;
}

function event(call: Call): RegisterApiEvent {
  const deviceId = /^\/v1\/devices\/([^/]+)$/.exec(call.path)?.[1];
  const routeKey =
    call.routeKey ?? (deviceId ? `${call.method} /v1/devices/{deviceId}` : `${call.method} ${call.path}`);
  return anHttpApiEvent<RegisterApiEvent>({
    ...call,
    routeKey,
    ...(deviceId && routeKey !== '$default'
      ? { pathParameters: { deviceId: decodeURIComponent(deviceId) } }
      : {}),
  });
}

function setup(knownApps?: KnownApps) {
  const repository = new InMemoryDeviceRepository();
  const handler = createRegisterHandler({
    repository,
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    limits: { maxDevicesPerUser: 20, deviceTtlDays: 180 },
    ...(knownApps ? { knownApps } : {}),
  });
  const call = async (c: Call) => {
    const result = (await handler(event(c), context)) as HttpResult;
    return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
  };
  return { repository, call };
}

const validBody = { bundleId: 'com.example.app', environment: 'sandbox', voipToken: VOIP.toUpperCase() };

describe('register handler routes', () => {
  it('answers 200 with the stored device when PUT registers one', async () => {
    const { call } = setup();
    const res = await call({
      method: 'PUT',
      path: '/v1/devices/phone-1',
      body: { ...validBody, locale: 'fr-FR' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
    expect(res.json).toEqual({
      deviceId: 'phone-1',
      platform: 'ios',
      bundleId: 'com.example.app',
      environment: 'sandbox',
      voipToken: VOIP,
      locale: 'fr-FR',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(res.json.userId).toBeUndefined();
  });

  it('lists only the caller devices when GET follows registrations by two users', async () => {
    const { call } = setup();
    await call({ method: 'PUT', path: '/v1/devices/a', body: validBody });
    await call({
      method: 'PUT',
      path: '/v1/devices/b',
      body: { ...validBody, voipToken: 'cd'.repeat(32) },
      sub: 'user-2',
    });
    const res = await call({ method: 'GET', path: '/v1/devices' });
    expect(res.statusCode).toBe(200);
    expect(res.json.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual(['a']);
  });

  it('answers 204 with no body when DELETE removes a device, also when it is already gone', async () => {
    const { call, repository } = setup();
    await call({ method: 'PUT', path: '/v1/devices/a', body: validBody });
    const first = await call({ method: 'DELETE', path: '/v1/devices/a' });
    const second = await call({ method: 'DELETE', path: '/v1/devices/a' });
    expect([first.statusCode, second.statusCode]).toEqual([204, 204]);
    expect(first.body).toBeUndefined();
    expect(await repository.get('user-1', 'a')).toBeUndefined();
  });

  it('routes by method and raw path when the route key is $default', async () => {
    const { call } = setup();
    const put = await call({
      method: 'PUT',
      path: '/v1/devices/a%3A1',
      body: validBody,
      routeKey: '$default',
    });
    expect(put.json.deviceId).toBe('a:1');
    const list = await call({ method: 'GET', path: '/v1/devices', routeKey: '$default' });
    expect(list.json.devices).toHaveLength(1);
    const del = await call({ method: 'DELETE', path: '/v1/devices/a%3A1', routeKey: '$default' });
    expect(del.statusCode).toBe(204);
  });

  it.each([
    ['GET', '/v1/other', '$default'],
    ['POST', '/v1/devices', '$default'],
    ['PATCH', '/v1/devices/a', '$default'],
    ['GET', '/v1/devices/a/b', '$default'],
    ['GET', '/v2/devices', 'GET /v2/devices'],
  ])('answers 404 not_found when %s %s is not a route', async (method, path, routeKey) => {
    const { call } = setup();
    const res = await call({ method, path, routeKey });
    expect(res.statusCode).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });
});

describe('register handler errors', () => {
  it.each([null, ''])('answers 401 unauthorized when the sub claim is %p', async (sub) => {
    const { call } = setup();
    const res = await call({ method: 'GET', path: '/v1/devices', sub });
    expect(res.statusCode).toBe(401);
    expect(res.json).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it.each([
    ['bundleId', { bundleId: 'noDots' }],
    ['bundleId', { bundleId: `com.${'a'.repeat(160)}` }],
    ['environment', { environment: 'staging' }],
    ['voipToken', { voipToken: 'abc' }],
    ['voipToken', { voipToken: 'zz'.repeat(32) }],
    ['voipToken', { voipToken: 'ab'.repeat(15) }],
    ['voipToken', { voipToken: 'ab'.repeat(201) }],
    ['voipToken', { voipToken: undefined }],
    ['alertToken', { alertToken: 12 }],
    ['alertToken', { alertToken: VOIP }],
    ['appVersion', { appVersion: 'x'.repeat(65) }],
    ['locale', { locale: 'x'.repeat(36) }],
    ['locale', { locale: 'en US' }],
    ['userId', { userId: 'someone-else' }],
  ])('answers 400 naming %s when the body has %p', async (field, change) => {
    const { call } = setup();
    const res = await call({ method: 'PUT', path: '/v1/devices/a', body: { ...validBody, ...change } });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.details).toContainEqual({ field, problem: expect.any(String) });
  });

  it('accepts tokens of 16 and 200 bytes when they are at the bounds', async () => {
    const { call } = setup();
    const short = await call({
      method: 'PUT',
      path: '/v1/devices/a',
      body: { ...validBody, voipToken: 'ab'.repeat(16) },
    });
    const long = await call({
      method: 'PUT',
      path: '/v1/devices/b',
      body: { ...validBody, voipToken: 'cd'.repeat(200) },
    });
    expect([short.statusCode, long.statusCode]).toEqual([200, 200]);
  });

  it.each([['x'.repeat(129)], ['a%2Fb'], ['a%20b'], ['%E0%A4%A']])(
    'answers 400 naming deviceId when the path id is %p',
    async (id) => {
      const { call } = setup();
      const res = await call({
        method: 'PUT',
        path: `/v1/devices/${id}`,
        body: validBody,
        routeKey: '$default',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json.error.details[0].field).toBe('deviceId');
    },
  );

  it.each([
    ['malformed JSON', '{"bundleId":'],
    ['a JSON array', '[]'],
    ['a JSON string', '"hello"'],
    ['JSON null', 'null'],
    ['no body', undefined],
  ])('answers 400 naming body when the body is %s', async (_label, body) => {
    const { call } = setup();
    const res = await call({ method: 'PUT', path: '/v1/devices/a', ...(body === undefined ? {} : { body }) });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.details[0].field).toBe('body');
  });

  it('answers 413 payload_too_large when the body is 8193 bytes and 200 when it is 8192', async () => {
    const { call } = setup();
    const json = JSON.stringify(validBody);
    const padded = (size: number) => `${json.slice(0, -1)}${' '.repeat(size - json.length)}}`;
    expect(Buffer.byteLength(padded(8192))).toBe(8192);
    const ok = await call({ method: 'PUT', path: '/v1/devices/a', body: padded(8192) });
    const tooBig = await call({ method: 'PUT', path: '/v1/devices/a', body: padded(8193) });
    expect(ok.statusCode).toBe(200);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json.error.code).toBe('payload_too_large');
  });

  it('measures bytes, not characters, when the body holds multi-byte text', async () => {
    const { call } = setup();
    const res = await call({
      method: 'PUT',
      path: '/v1/devices/a',
      body: { ...validBody, x: 'é'.repeat(4100) },
    });
    expect(res.statusCode).toBe(413);
  });

  it('decodes a base64 body before measuring and parsing when isBase64Encoded is set', async () => {
    const { call } = setup();
    const json = JSON.stringify(validBody);
    const padded = (size: number) => `${json.slice(0, -1)}${' '.repeat(size - json.length)}}`;
    const ok = await call({ method: 'PUT', path: '/v1/devices/a', body: padded(8192), base64: true });
    const tooBig = await call({ method: 'PUT', path: '/v1/devices/a', body: padded(8193), base64: true });
    expect(ok.statusCode).toBe(200);
    expect(ok.json.voipToken).toBe(VOIP);
    expect(tooBig.statusCode).toBe(413);
  });

  it.each([
    ['text/plain', 415],
    ['application/xml', 415],
    ['application/json; charset=latin1', 415],
    ['application/json; charset=UTF-8', 200],
    ['Application/JSON', 200],
  ])('answers by content type when it is %s', async (type, status) => {
    const { call } = setup();
    const res = await call({
      method: 'PUT',
      path: '/v1/devices/a',
      body: validBody,
      headers: { 'content-type': type },
    });
    expect(res.statusCode).toBe(status);
    if (status === 415) expect(res.json.error.code).toBe('unsupported_media_type');
  });

  it('answers a generic 500 without details when the repository fails', async () => {
    const { call, repository } = setup();
    repository.listByUser = async () => {
      throw new Error('secret internal detail');
    };
    const res = await call({ method: 'GET', path: '/v1/devices' });
    expect(res.statusCode).toBe(500);
    expect(res.json).toEqual({ error: { code: 'internal_error', message: 'internal error' } });
  });

  it('answers 429 throttled when DynamoDB throttles', async () => {
    const { call, repository } = setup();
    repository.listByUser = async () => {
      throw Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    };
    const res = await call({ method: 'GET', path: '/v1/devices' });
    expect(res.statusCode).toBe(429);
    expect(res.json.error.code).toBe('throttled');
  });
});

describe('register handler with KNOWN_APPS', () => {
  const known = parseKnownApps('ios:com.example.app,android:com.example.android_app');
  const androidBody = { platform: 'android', bundleId: 'com.example.android_app', fcmToken: 'f:APA91b-x_1' };

  it.each([
    ['an iOS app', { ...validBody, bundleId: 'com.other.app' }, 'APNs'],
    ['an Android app', { ...androidBody, bundleId: 'com.other.app' }, 'FCM'],
    // Each platform has its own list: an iOS bundle id does not admit an Android package of that name.
    ['an Android package known only as an iOS app', { ...androidBody, bundleId: 'com.example.app' }, 'FCM'],
  ])(
    'answers 400 naming bundleId, storing nothing, when the body names %s not in KNOWN_APPS',
    async (_what, body, platform) => {
      const { call, repository } = setup(known);
      const res = await call({ method: 'PUT', path: '/v1/devices/a', body });
      expect(res.statusCode).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      expect(res.json.error.details).toEqual([
        { field: 'bundleId', problem: expect.stringContaining(platform) },
      ]);
      expect(await repository.listByUser('user-1')).toEqual([]);
    },
  );

  it('answers 200 when the iOS or the Android app is in KNOWN_APPS', async () => {
    const { call } = setup(known);
    const ios = await call({ method: 'PUT', path: '/v1/devices/a', body: validBody });
    const android = await call({ method: 'PUT', path: '/v1/devices/b', body: androidBody });
    expect([ios.statusCode, android.statusCode]).toEqual([200, 200]);
    expect(android.json).toMatchObject({ platform: 'android', fcmToken: androidBody.fcmToken });
  });

  it('answers 200 for any app when KNOWN_APPS is unset', async () => {
    const { call } = setup();
    const ios = await call({
      method: 'PUT',
      path: '/v1/devices/a',
      body: { ...validBody, bundleId: 'com.other.app' },
    });
    const android = await call({
      method: 'PUT',
      path: '/v1/devices/b',
      body: { ...androidBody, bundleId: 'org.any.app' },
    });
    expect([ios.statusCode, android.statusCode]).toEqual([200, 200]);
  });
});

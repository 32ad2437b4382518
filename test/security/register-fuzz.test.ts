import { connect } from 'node:net';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startTestApi, type TestApi, tokenFor } from '../support/local-api';

/**
 * Hostile requests against the registration API over HTTP, through the local API server and the real
 * register Lambda on DynamoDB Local: never a 5xx or a crash, always the documented JSON error with a 4xx,
 * and no partial write (a rejected PUT leaves what GET shows unchanged).
 */
let api: TestApi;
let token: string;
const BASE_ID = 'base-device';
const VALID = { bundleId: 'com.example.voip', environment: 'sandbox', voipToken: 'ab'.repeat(32) };

beforeAll(async () => {
  api = await startTestApi();
  token = await tokenFor('fuzz-user');
  const created = await api.call('PUT', `/v1/devices/${BASE_ID}`, { token, body: VALID });
  expect(created.status).toBe(200);
});
afterAll(() => api.close());

type ErrorBody = { error?: { code?: unknown; message?: unknown } };
const isErrorBody = (json: unknown): boolean => {
  const error = (json as ErrorBody | undefined)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
};

const hostile = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '\u0000',
    '\u202e',
    '\ud83d',
    '\ufeff',
    'ǅ',
    '𝕏'.repeat(40),
    "'; DROP TABLE x;--",
    '{"$gt":""}',
  ),
  fc.integer({ min: 200, max: 20_000 }).map((n) => 'A'.repeat(n)),
);
/** Lone surrogates cannot be percent-encoded (URIError); they still reach the API inside bodies. */
const encodable = (s: string): boolean => {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
};
const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
);

const idSegment = fc.oneof(
  { weight: 3, arbitrary: fc.constant(BASE_ID) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,20}$/) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..%2f..%2fetc%2fpasswd',
      '..%2F',
      '%2e%2e',
      '%00',
      'a%00b',
      `${BASE_ID}%00`,
      `${BASE_ID}%2f..`,
      '%2F',
      '%252e%252e',
      '%',
      '%ZZ',
      '%E0%A4%A',
      '%C0%AE%C0%AE',
      '%u002e',
      encodeURIComponent('\u202e'),
      encodeURIComponent('𝕏'),
      'a;b',
      'a%20b',
    ),
  },
  { weight: 2, arbitrary: hostile.filter(encodable).map((s) => encodeURIComponent(s)) },
  { weight: 1, arbitrary: fc.integer({ min: 129, max: 4000 }).map((n) => 'd'.repeat(n)) },
);

const body: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null') },
  {
    weight: 6,
    arbitrary: fc
      .record({
        field: fc.constantFrom(
          'bundleId',
          'environment',
          'voipToken',
          'alertToken',
          'appVersion',
          'locale',
          'userId',
          '__proto__',
        ),
        value: fc.oneof(hostile, wrongType),
      })
      .map(({ field, value }) =>
        field === '__proto__'
          ? `{"__proto__":{"admin":true},"bundleId":"com.example.voip","environment":"sandbox","voipToken":"${'cd'.repeat(3)}"}`
          : JSON.stringify({ ...VALID, voipToken: 'ef'.repeat(3), [field]: value }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 8193, max: 40_000 })
      .map((n) => JSON.stringify({ ...VALID, pad: 'x'.repeat(n) })),
  },
);

const contentType = fc.constantFrom<string | undefined>(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json, application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  '',
  `application/json; x=${'y'.repeat(4000)}`,
  undefined,
);

const request = fc.record({
  method: fc.constantFrom('PUT', 'PUT', 'PUT', 'PUT', 'GET', 'DELETE', 'POST', 'PATCH'),
  id: idSegment,
  body,
  contentType,
});

async function snapshot(): Promise<string> {
  const res = await api.call('GET', '/v1/devices', { token });
  expect(res.status).toBe(200);
  const list = (res.json as { devices: Array<{ deviceId: string }> }).devices;
  return JSON.stringify([...list].sort((a, b) => a.deviceId.localeCompare(b.deviceId)));
}

describe('registration API under hostile requests', () => {
  it('answers every one of 5,000 generated requests with a 4xx JSON error or success and never writes on a rejected PUT', async () => {
    const statuses: Record<number, number> = {};
    let last = await snapshot();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        // Never delete the base device: it is what a rejected PUT must leave untouched.
        const method = r.method === 'DELETE' && r.id === BASE_ID ? 'GET' : r.method;
        const headers: Record<string, string> = { authorization: `Bearer ${token}` };
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        const res = await fetch(`${api.url}/v1/devices/${r.id}`, {
          method,
          headers,
          ...(r.body !== undefined && method !== 'GET' ? { body: r.body } : {}),
        });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(isErrorBody(JSON.parse(text))).toBe(true);
          expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/);
        }
        if (method === 'PUT' && res.status >= 400) {
          const now = await snapshot();
          expect(now).toBe(last);
        } else if (method === 'PUT' || method === 'DELETE') {
          last = await snapshot();
        }
      }),
      { numRuns: 5000, seed: 2026 },
    );
    expect(Object.keys(statuses).every((s) => Number(s) < 500)).toBe(true);
    expect(statuses[400]).toBeGreaterThan(1000);
    expect(Date.now() - started).toBeLessThan(50_000);
  }, 58_000);

  it('answers a 4xx or closes the connection, and keeps serving, when headers are abused on raw sockets', async () => {
    const raw = (bytes: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(new URL(api.url).port), '127.0.0.1');
        let answer = '';
        socket.setTimeout(2000, () => socket.destroy());
        socket.on('data', (chunk) => {
          answer += chunk.toString();
        });
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
        socket.end(bytes);
      });
    const json = JSON.stringify({ ...VALID, voipToken: '12'.repeat(16) });
    const cases = [
      // duplicate content-type
      `PUT /v1/devices/${BASE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n${json}`,
      // oversized content-type
      `PUT /v1/devices/${BASE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json; a=${'b'.repeat(70_000)}\r\nContent-Length: ${json.length}\r\nConnection: close\r\n\r\n${json}`,
      // content-length shorter than the body
      `PUT /v1/devices/${BASE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 10\r\nConnection: close\r\n\r\n${json}`,
      // content-length longer than the body (the client then hangs up)
      `PUT /v1/devices/${BASE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n${json}`,
      // two content-lengths
      `PUT /v1/devices/${BASE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${json.length}\r\nContent-Length: 3\r\nConnection: close\r\n\r\n${json}`,
      // negative content-length
      `PUT /v1/devices/${BASE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: -1\r\nConnection: close\r\n\r\n${json}`,
      // no body on PUT
      `PUT /v1/devices/${BASE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      `PUT /v1/devices/${BASE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      // chunked and content-length together (smuggling shape)
      `PUT /v1/devices/${BASE_ID} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      // two Authorization headers
      `GET /v1/devices HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nAuthorization: Bearer x\r\nConnection: close\r\n\r\n`,
    ];
    const before = await snapshot();
    for (const bytes of cases) {
      const answer = await raw(bytes);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      // An answer, when there is one, is a 4xx (or the GET's 200); a hang-up is allowed only without one.
      if (answer !== '') expect(status === 200 || (status >= 400 && status < 500)).toBe(true);
      expect((await api.call('GET', '/v1/devices', { token })).status).toBe(200);
    }
    expect(await snapshot()).toBe(before);
  });
});

describe('Android registration under hostile FCM tokens', () => {
  const ANDROID_ID = 'android-base';
  const ANDROID = { platform: 'android', bundleId: 'com.example.voip', fcmToken: 'fTok:APA91b_base-1' };
  const FCM_TOKEN = /^[A-Za-z0-9_:-]{1,4096}$/;

  /** Every item of the devices table (devices and token owners), so a stray owner item shows too. */
  async function table(): Promise<string> {
    const items: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await api.dynamo.send(
        new ScanCommand({ TableName: api.tableNames.devices, ExclusiveStartKey: start as never }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return JSON.stringify(items.map((item) => JSON.stringify(item)).sort());
  }

  const put = (body: unknown, id = ANDROID_ID) =>
    api.call('PUT', `/v1/devices/${id}`, {
      token,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });

  /** A rejected PUT: a 4xx JSON error (400 naming `field` when given), nothing written anywhere. */
  async function expectRefused(body: unknown, field?: string) {
    const before = await table();
    const res = await put(body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(isErrorBody(res.json)).toBe(true);
    if (field !== undefined) {
      expect(res.status).toBe(400);
      expect((res.json as { error: { details: Array<{ field: string }> } }).error.details).toContainEqual(
        expect.objectContaining({ field }),
      );
    }
    expect(await table()).toBe(before);
  }

  beforeAll(async () => {
    expect((await put(ANDROID)).status).toBe(200);
  });

  it.each([
    ['empty', ''],
    ['one character over 4096', 'a'.repeat(4097)],
    ['a NUL', 'fTok\u0000x'],
    ['a newline', 'fTok\nx'],
    ['a tab', 'fTok\tx'],
    ['a DEL', 'fTok\u007fx'],
    ['an escape', '\u001b[31mred'],
    ['accents', 'tökén'],
    ['an astral character', '𝕏'.repeat(3)],
    ['a right-to-left override', 'abc\u202edef'],
    ['a byte-order mark', '\ufeffabc'],
    ['a lone surrogate', 'abc\ud83d'],
    ['a full-width colon', 'abc\uff1adef'],
    ['a space', 'abc def'],
    ['a slash', '../../etc/passwd'],
    ['a percent escape', 'abc%00def'],
    ['a quote', "abc'--"],
  ])('answers 400 naming fcmToken and writes nothing when the token has %s', async (_what, fcmToken) => {
    await expectRefused({ ...ANDROID, fcmToken }, 'fcmToken');
  });

  it.each([
    ['a number', 12345],
    ['null', null],
    ['an array', ['fTok']],
    ['an object', { token: 'fTok' }],
    ['true', true],
  ])('answers 400 naming fcmToken and writes nothing when the token is %s', async (_what, fcmToken) => {
    await expectRefused({ ...ANDROID, fcmToken }, 'fcmToken');
  });

  it('answers 400 and writes nothing when the fcmToken is missing or comes with an APNs token', async () => {
    const { fcmToken: _token, ...noToken } = ANDROID;
    await expectRefused(noToken, 'fcmToken');
    await expectRefused({ ...ANDROID, voipToken: 'ab'.repeat(32) }, 'voipToken');
  });

  it('answers a 4xx and writes nothing when the token makes the body too large', async () => {
    await expectRefused({ ...ANDROID, fcmToken: 'a'.repeat(9000) });
  });

  it('keeps a 4096-character token exactly as given, case and all, when it is at the bound', async () => {
    const long = `Ab:_-${'xY9'.repeat(1364)}`.slice(0, 4096);
    const res = await put({ ...ANDROID, fcmToken: long }, 'android-long');
    expect(res.status).toBe(200);
    expect((res.json as { fcmToken: string }).fcmToken).toBe(long);
  });

  it('answers 200 exactly when the generated token is 1-4096 of A-Z a-z 0-9 _ : -, else 400 with nothing written', async () => {
    const tokens = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_:-]{1,200}$/),
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.integer({ min: 4090, max: 4200 }).map((n) => 'k'.repeat(n)),
    );
    await fc.assert(
      fc.asyncProperty(tokens, async (fcmToken) => {
        const before = await table();
        const res = await put({ ...ANDROID, fcmToken });
        expect(res.status).toBeLessThan(500);
        if (FCM_TOKEN.test(fcmToken)) {
          expect(res.status).toBe(200);
          expect((res.json as { fcmToken: string }).fcmToken).toBe(fcmToken);
        } else {
          expect(res.status).toBe(400);
          expect(isErrorBody(res.json)).toBe(true);
          expect(await table()).toBe(before);
        }
      }),
      { numRuns: 300, seed: 2026 },
    );
  }, 58_000);
});

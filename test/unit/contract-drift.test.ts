import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { z } from 'zod';
import {
  CALL_EVENT_SCHEMA_PATH,
  OPENAPI_PATH,
  renderCallEventSchema,
  renderContracts,
  renderOpenApi,
} from '../../scripts/generate-contracts';
import { buildApnsPayload } from '../../shared/adapters/apns/apns-payload';
import { callEventSchema } from '../../shared/domain/call-event';
import { deviceIdSchema, registerDeviceBodySchema } from '../../shared/domain/device-rules';
import { receiptBodySchema } from '../../shared/domain/receipt';

const ROOT = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const FIX = 'run `npm run contracts` and commit the result';

type Json = Record<string, unknown>;
const at = (value: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((node, key) => (node as Json | undefined)?.[key], value);

describe('committed contracts', () => {
  it('match what the zod schemas generate when openapi.yaml is read back', () => {
    const committed = parse(read(OPENAPI_PATH));
    expect({ file: OPENAPI_PATH, document: committed, fix: FIX }).toEqual({
      file: OPENAPI_PATH,
      document: renderOpenApi(),
      fix: FIX,
    });
  });

  it('match what the zod schemas generate when the call event JSON Schema is read back', () => {
    const committed = JSON.parse(read(CALL_EVENT_SCHEMA_PATH));
    expect({ file: CALL_EVENT_SCHEMA_PATH, schema: committed, fix: FIX }).toEqual({
      file: CALL_EVENT_SCHEMA_PATH,
      schema: renderCallEventSchema(),
      fix: FIX,
    });
  });

  it('keeps openapi.yaml byte for byte as the generator writes it when nobody edited it by hand', () => {
    expect(read(OPENAPI_PATH)).toBe(renderContracts()[OPENAPI_PATH]);
  });
});

describe('openapi.yaml', () => {
  const doc = renderOpenApi();
  const operations = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => ['get', 'put', 'post', 'delete'].includes(method))
      .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op: op as Json })),
  );

  it('describes exactly the four routes of the registration API (docs/contracts.md) when generated', () => {
    expect(operations.map((o) => o.name).sort()).toEqual([
      'DELETE /v1/devices/{deviceId}',
      'GET /v1/devices',
      'POST /v1/calls/{callId}/receipts',
      'PUT /v1/devices/{deviceId}',
    ]);
  });

  it('requires the bearer JWT on every route when no operation overrides security', () => {
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(at(doc, 'components', 'securitySchemes', 'bearerAuth')).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    for (const { op } of operations) expect(op.security).toBeUndefined();
  });

  it('answers every error with the error body schema when a route fails', () => {
    const responses = at(doc, 'components', 'responses') as Json;
    for (const { op } of operations) {
      const statuses = Object.keys(op.responses as Json).filter((s) => Number(s) >= 400);
      expect(statuses).toEqual(expect.arrayContaining(['401', '429', '500']));
      for (const status of statuses) {
        const name = String(at(op, 'responses', status, '$ref'))
          .split('/')
          .pop() as string;
        const content = at(responses, name, 'content', 'application/json') as Json;
        expect(JSON.stringify(content.schema)).toContain('#/components/schemas/Error');
        const code = at(content, 'example', 'error', 'code');
        expect(
          at(doc, 'components', 'schemas', 'Error', 'properties', 'error', 'properties', 'code', 'enum'),
        ).toContain(code);
      }
    }
  });

  it('gives each error status the code the API contract names when the examples are read', () => {
    const codeByStatus: Record<string, unknown> = {};
    for (const { op } of operations) {
      for (const [status, response] of Object.entries(op.responses as Json)) {
        const name = String(at(response, '$ref')).split('/').pop() as string;
        const code = at(
          doc,
          'components',
          'responses',
          name,
          'content',
          'application/json',
          'example',
          'error',
          'code',
        );
        if (code !== undefined) codeByStatus[status] = code;
      }
    }
    expect(codeByStatus).toEqual({
      '400': 'invalid_request',
      '401': 'unauthorized',
      '404': 'not_found',
      '413': 'payload_too_large',
      '415': 'unsupported_media_type',
      '429': 'throttled',
      '500': 'internal_error',
    });
  });

  it('documents the 400 for an app outside KNOWN_APPS when PUT /v1/devices/{deviceId} is read', () => {
    const put = operations.find((o) => o.name === 'PUT /v1/devices/{deviceId}')?.op;
    expect(at(put, 'responses', '400', '$ref')).toBe('#/components/responses/InvalidRequest');
    expect(String(put?.description)).toMatch(
      /`bundleId` the deployment has no credential for is refused \(400\)/,
    );
  });

  it('uses the very schemas the handlers validate with when the bodies are generated', () => {
    const plain = (schema: z.ZodType) => {
      const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Json;
      return rest;
    };
    expect(at(doc, 'components', 'schemas', 'RegisterDeviceBody')).toEqual(plain(registerDeviceBodySchema));
    expect(at(doc, 'components', 'schemas', 'ReceiptBody')).toEqual(plain(receiptBodySchema));
    expect(at(doc, 'components', 'parameters', 'DeviceId', 'schema')).toEqual(plain(deviceIdSchema));
  });

  it('rejects unknown fields in request bodies when the schema is strict', () => {
    expect(at(doc, 'components', 'schemas', 'ReceiptBody', 'additionalProperties')).toBe(false);
    // One body per platform (ios, the default, and android), each strict.
    const bodies = at(doc, 'components', 'schemas', 'RegisterDeviceBody', 'oneOf') as Json[];
    expect(bodies).toHaveLength(2);
    for (const body of bodies) expect(body.additionalProperties).toBe(false);
    expect(at(doc, 'components', 'schemas', 'ReceiptBody', 'properties', 'stage', 'enum')).toEqual([
      'received',
      'reported',
    ]);
  });
});

describe('call event examples', () => {
  for (const name of ['incoming-call', 'missed-call']) {
    it(`parses docs/examples/${name}.json with the sender's schema when read`, () => {
      const raw = JSON.parse(read(`docs/examples/${name}.json`));
      const parsed = callEventSchema.safeParse(raw);
      expect(parsed.error?.issues).toBeUndefined();
      expect(parsed.data?.type).toBe(name.replace('-', '_'));
      expect(buildApnsPayload(callEventSchema.parse(raw)).ok).toBe(true);
    });
  }

  it('states every required field of the JSON Schema in the incoming-call example when compared', () => {
    const raw = JSON.parse(read('docs/examples/incoming-call.json'));
    for (const field of renderCallEventSchema().required as string[]) expect(raw).toHaveProperty(field);
  });
});

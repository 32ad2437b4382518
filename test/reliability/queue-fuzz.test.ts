import { describe, expect, it } from '@jest/globals';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { createSenderHandler } from '../../functions/sender/create-handler';
import { InMemoryDeliveryStore } from '../../local/memory-delivery-store';
import { FakeApnsTransport } from '../fakes/fake-apns-transport';
import { aDevice, FakeDeviceRepository } from '../fakes/fake-device-repository';
import { MemoryLogSink, MemoryMetricsSink } from '../fakes/memory-telemetry';
import { aCallEventInput } from '../kit/call-events';
import { aTokenCredential } from '../kit/credentials';
import { aLambdaContext, anSqsRecord } from '../kit/lambda';
import { fanOutDeps } from '../kit/sender-deps';

/**
 * Hostile queue bodies through the sender's record processing (the Lambda handler, in process, over
 * in-memory ports): every body that is not a valid v1 call event is rejected with a reason and moved to
 * the DLQ, never throws out of the batch, and never causes a push. 5,000 generated bodies in batches of 10.
 */
const credential = aTokenCredential('com.example.app', { signingKey: 'k' });
const REASONS = new Set(['invalid_json', 'invalid_event', 'unsupported_version', 'payload_too_large']);
const context = aLambdaContext();

let serial = 0;
const validEvent = (): Record<string, unknown> =>
  aCallEventInput({
    callId: `fz-${++serial}`,
    caller: { id: 'user-9', displayName: 'Ada' },
    ringTimeoutSeconds: 30,
  });

const hostileString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    "'; DROP TABLE devices; --",
    '{"$ne":null}',
    '$(reboot)',
    '../../etc/passwd',
    '..%2f..%2f',
    '\u0000',
    '\u202e\u2066',
    '<script>alert(1)</script>',
    '$' + '{jndi:ldap://x}',
    '__proto__',
    '\ud800',
  ),
);

/** A body that must be rejected, built by breaking a valid event in one known way. */
const invalidBody: fc.Arbitrary<string> = fc.oneof(
  // malformed JSON
  fc.string({ maxLength: 60 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }),
  fc.nat(200).map((cut) => {
    const text = JSON.stringify(validEvent());
    return text.slice(0, Math.min(cut, text.length - 1));
  }),
  // valid JSON, not an event
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  // unknown versions
  fc
    .oneof(fc.integer(), fc.string({ maxLength: 5 }), fc.constant(null), fc.double())
    .filter((v) => v !== 1)
    .map((version) => JSON.stringify({ ...validEvent(), version })),
  // injection strings and unusual Unicode where ids must match [A-Za-z0-9._:-]
  hostileString
    .filter((s) => !/^[A-Za-z0-9._:-]{1,64}$/.test(s))
    .map((callId) => JSON.stringify({ ...validEvent(), callId })),
  // wrong types
  fc.constantFrom('type', 'recipients', 'caller', 'createdAt', 'ringTimeoutSeconds', 'media').chain((field) =>
    fc
      .oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.constant([]), fc.constant({}))
      .filter((value) => !(field === 'media' && (value === 'audio' || value === 'video')))
      .filter(
        (value) =>
          !(
            field === 'ringTimeoutSeconds' &&
            Number.isInteger(value) &&
            (value as number) >= 1 &&
            (value as number) <= 120
          ),
      )
      .map((value) => JSON.stringify({ ...validEvent(), [field]: value })),
  ),
  // oversize payloads (VoIP limit 5120 bytes), 1,001 recipients, duplicate recipients, no recipients
  fc
    .integer({ min: 5200, max: 20_000 })
    .map((n) => JSON.stringify({ ...validEvent(), data: { pad: 'x'.repeat(n) } })),
  fc
    .constant(0)
    .map(() =>
      JSON.stringify({ ...validEvent(), recipients: Array.from({ length: 1001 }, (_, i) => `u${i}`) }),
    ),
  fc
    .string({ minLength: 1, maxLength: 10 })
    .map((id) => JSON.stringify({ ...validEvent(), recipients: [id, id] })),
  fc.constant(JSON.stringify({ ...validEvent(), recipients: [] })),
  // bad dates
  fc
    .oneof(
      fc.constantFrom(
        '2026-13-01T00:00:00Z',
        '2026-02-30T10:00:00Z',
        'yesterday',
        '',
        '1700000000',
        '2026-11-28 10:00',
      ),
      fc.integer(),
    )
    .map((createdAt) => JSON.stringify({ ...validEvent(), createdAt })),
);

/** A valid event carrying hostile strings where any string is allowed (it must be sent, safely). */
const validHostileBody = hostileString.map((s) =>
  JSON.stringify({
    ...validEvent(),
    caller: { id: 'user-9', displayName: s.slice(0, 100) || 'x' },
    data: { note: s },
  }),
);

function aRecord(messageId: string, body: string): SQSRecord {
  return anSqsRecord(messageId, body, { sentAt: Date.now(), senderId: 'fuzz' });
}

describe('sender record processing under hostile queue bodies', () => {
  it('rejects every malformed body with a reason, never throws and never pushes when 5,000 generated bodies arrive in batches of 10', async () => {
    const apns = new FakeApnsTransport();
    const log = new MemoryLogSink();
    const moved: Array<{ id: string; reason: string }> = [];
    const handler = createSenderHandler({
      fanOut: fanOutDeps({
        devices: new FakeDeviceRepository([
          aDevice({ userId: 'user-1', deviceId: 'd-1', bundleId: credential.bundleId }),
        ]),
        apns,
        deliveries: new InMemoryDeliveryStore(() => Date.now()),
        log,
        metrics: new MemoryMetricsSink(),
        random: () => 0.5,
        credentials: { get: async () => credential, refresh: async () => credential },
        clock: { now: () => Date.now(), sleep: async () => undefined },
      }),
      deadLetters: { forward: async (r, reason) => void moved.push({ id: r.messageId, reason }) },
    });
    let invalidSeen = 0;
    let validSeen = 0;
    let batch = 0;
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            { weight: 9, arbitrary: invalidBody.map((b) => ({ b, valid: false })) },
            { weight: 1, arbitrary: validHostileBody.map((b) => ({ b, valid: true })) },
          ),
          {
            minLength: 10,
            maxLength: 10,
          },
        ),
        async (items) => {
          batch++;
          const records = items.map((item, i) => aRecord(`m-${batch}-${i}`, item.b));
          moved.length = 0;
          const sentBefore = apns.sent.length;
          const result = await handler({ Records: records }, context);
          expect(result.batchItemFailures).toEqual([]);
          const movedIds = new Map(moved.map((m) => [m.id, m.reason]));
          let validInBatch = 0;
          items.forEach((item, i) => {
            const id = `m-${batch}-${i}`;
            if (item.valid) {
              validInBatch++;
              validSeen++;
              expect(movedIds.has(id)).toBe(false);
            } else {
              invalidSeen++;
              expect(REASONS.has(movedIds.get(id) as string)).toBe(true);
            }
          });
          // Only the valid events pushed: one device each.
          expect(apns.sent.length - sentBefore).toBe(validInBatch);
        },
      ),
      { numRuns: 500, seed: 5005 },
    );
    expect(invalidSeen + validSeen).toBe(5000);
    expect(invalidSeen).toBeGreaterThan(4000);
    const rejected = log.withMessage('event rejected');
    expect(rejected).toHaveLength(invalidSeen);
    expect(
      rejected.every((l) => REASONS.has(String(l.data.reason)) && l.data.disposition === 'moved_to_dlq'),
    ).toBe(true);
    expect(Date.now() - started).toBeLessThan(45_000);
  }, 55_000);
});

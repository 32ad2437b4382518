import { randomUUID } from 'node:crypto';
import type { ApnsEnvironment } from '../../domain/apns-credential';
import { type Device, type PushKind, tokenAttribute } from '../../domain/device';
import type {
  PreparedPush,
  PrepareResult,
  PushAnswer,
  PushCall,
  PushDecision,
  PushGateway,
  PushTarget,
} from '../../ports/push-gateway';
import { buildApnsPayload } from './apns-payload';
import type { ApnsOutcome, ApnsRequest, ApnsTransport } from './apns-transport';

export interface ApnsGatewayOptions {
  /** The HTTP/2 transport: `ApnsClient`, built once per execution environment. */
  readonly transport: Pick<ApnsTransport, 'send'>;
  /** A fresh lower-case UUID per request (apns-id). @default randomUUID */
  readonly newApnsId?: () => string;
}

const otherEnvironment = (env: ApnsEnvironment): ApnsEnvironment =>
  env === 'sandbox' ? 'production' : 'sandbox';

/**
 * iOS devices behind the push-gateway port: builds the APNs payload of a call once (VoIP or alert, within
 * APNs' size limits), the request of each push (topic, priority, expiration, collapse id, a fresh
 * apns-id, the device's environment or on `alternate` the other one), and reads APNs' answer into the
 * port's decision through APNs' answer table (below).
 */
export class ApnsGateway implements PushGateway {
  readonly platform = 'ios' as const;
  private readonly transport: Pick<ApnsTransport, 'send'>;
  private readonly newApnsId: () => string;

  constructor(options: ApnsGatewayOptions) {
    this.transport = options.transport;
    this.newApnsId = options.newApnsId ?? randomUUID;
  }

  prepare(call: PushCall): PrepareResult {
    const built = buildApnsPayload(call.event);
    if (!built.ok) {
      return {
        ok: false,
        reason: built.reason,
        detail: `${built.pushType} payload ${built.bytes} > ${built.limit} bytes`,
      };
    }
    return { ok: true, push: new ApnsPush(this.transport, this.newApnsId, call, built.payload) };
  }
}

/** One call's APNs payload, sent to each of its iOS devices. */
class ApnsPush implements PreparedPush {
  private readonly kind: PushKind;
  /** apns-expiration, epoch seconds. */
  private readonly expiration: number;

  constructor(
    private readonly transport: Pick<ApnsTransport, 'send'>,
    private readonly newApnsId: () => string,
    private readonly call: PushCall,
    private readonly payload: string,
  ) {
    this.kind = call.kind;
    this.expiration = Math.floor(call.expiresAtMs / 1000);
  }

  tokenOf(device: Device): string | undefined {
    return device[tokenAttribute(this.kind)];
  }

  async send(target: PushTarget): Promise<PushAnswer> {
    const { device, credential } = target;
    // Every iOS device is registered with its environment; one stored without would be a production app's.
    const registered = device.environment ?? 'production';
    const environment = target.alternate ? otherEnvironment(registered) : registered;
    if (credential.auth === 'fcm') {
      // The provider looks credentials up by platform, so this is a wiring bug: never send it to APNs.
      return {
        decision: { kind: 'fail', reason: 'credential_platform_mismatch', alarm: 'misconfigured' },
        pushId: '',
        environment,
        latencyMs: 0,
      };
    }
    const request: ApnsRequest = {
      token: target.token,
      environment,
      pushType: this.kind,
      topic: this.kind === 'voip' ? `${device.bundleId}.voip` : device.bundleId,
      priority: 10,
      expiration: this.expiration,
      apnsId: this.newApnsId(),
      // A repeated missed-call alert (retry after an ambiguous answer, redelivery) replaces, not adds.
      ...(this.kind === 'alert' ? { collapseId: this.call.event.callId } : {}),
      payload: this.payload,
    };
    const outcome = await this.transport.send(credential, request);
    return answerOf(outcome, request, environment);
  }
}

/** APNs' outcome in the port's terms; the apns-id reported is APNs' own, else the one sent. */
function answerOf(outcome: ApnsOutcome, request: ApnsRequest, environment: ApnsEnvironment): PushAnswer {
  const common = {
    decision: decideAnswer(outcome),
    pushId: outcome.apnsId || request.apnsId,
    environment,
    latencyMs: outcome.latencyMs,
  };
  switch (outcome.kind) {
    case 'accepted':
      return { ...common, statusCode: outcome.status };
    case 'rejected':
      return { ...common, statusCode: outcome.status, reason: outcome.reason };
    case 'transport-error':
      return {
        ...common,
        reason: outcome.error,
        delivery: outcome.maybeDelivered ? 'maybe_delivered' : 'not_delivered',
      };
  }
}

/**
 * What the sender does with one APNs answer: APNs' answer table (docs/contracts.md, APNs requests and answers), one
 * rule per row, first match wins, each turned into the push-gateway port's neutral decision. Pure: the
 * use case carries the decision out.
 */
export interface AnswerRule {
  /** The row of the APNs answer table this rule implements. */
  readonly row: string;
  readonly matches: (outcome: ApnsOutcome) => boolean;
  readonly decide: (outcome: ApnsOutcome) => PushDecision;
}

const rejected =
  (status: number, ...reasons: string[]) =>
  (o: ApnsOutcome) =>
    o.kind === 'rejected' && o.status === status && (reasons.length === 0 || reasons.includes(o.reason));

const reasonOf = (o: ApnsOutcome): string =>
  o.kind === 'rejected' ? o.reason : o.kind === 'transport-error' ? `transport_${o.error}` : 'accepted';

export const ANSWER_RULES: readonly AnswerRule[] = [
  { row: '200', matches: (o) => o.kind === 'accepted', decide: () => ({ kind: 'accepted' }) },
  {
    row: '410 Unregistered / ExpiredToken',
    matches: rejected(410),
    decide: (o) => ({
      kind: 'prune',
      reason: reasonOf(o),
      ...(o.kind === 'rejected' && o.timestamp !== undefined
        ? { registeredBefore: new Date(o.timestamp) }
        : {}),
    }),
  },
  {
    row: '400 BadDeviceToken',
    matches: rejected(400, 'BadDeviceToken'),
    decide: () => ({ kind: 'try_alternate', reason: 'BadDeviceToken' }),
  },
  {
    row: '400 DeviceTokenNotForTopic',
    matches: rejected(400, 'DeviceTokenNotForTopic'),
    decide: () => ({ kind: 'fail', reason: 'DeviceTokenNotForTopic', alarm: 'misconfigured' }),
  },
  {
    row: '413 and other 400/404/405',
    matches: (o) => o.kind === 'rejected' && [400, 404, 405, 413].includes(o.status),
    decide: (o) => ({ kind: 'fail', reason: knownReason(reasonOf(o)), alarm: 'sender_bug' }),
  },
  {
    row: '403 ExpiredProviderToken',
    matches: rejected(403, 'ExpiredProviderToken'),
    decide: () => ({ kind: 'refresh_credential', reason: 'ExpiredProviderToken' }),
  },
  {
    row: '403 UnrelatedKeyIdInToken',
    matches: rejected(403, 'UnrelatedKeyIdInToken'),
    decide: () => ({ kind: 'refresh_credential', reason: 'UnrelatedKeyIdInToken' }),
  },
  {
    row: '403 other',
    matches: rejected(403),
    decide: (o) => ({ kind: 'refresh_credential', reason: knownReason(reasonOf(o)) }),
  },
  {
    row: '429 TooManyRequests',
    matches: rejected(429, 'TooManyRequests'),
    decide: () => ({ kind: 'retry', reason: 'TooManyRequests' }),
  },
  {
    row: '429 TooManyProviderTokenUpdates',
    matches: rejected(429, 'TooManyProviderTokenUpdates'),
    decide: () => ({ kind: 'retry', reason: 'TooManyProviderTokenUpdates', alarm: 'sender_bug' }),
  },
  {
    row: '500 / 503, GOAWAY, reset, timeout',
    matches: (o) =>
      o.kind === 'transport-error' || (o.kind === 'rejected' && (o.status >= 500 || o.status === 429)),
    decide: (o) => ({ kind: 'retry', reason: knownReason(reasonOf(o)) }),
  },
];

/** Fallback for answers outside the table (a new status): not retried, flagged so someone looks. */
const FALLBACK: AnswerRule = {
  row: 'fallback',
  matches: () => true,
  decide: (o) => ({ kind: 'fail', reason: knownReason(reasonOf(o)), alarm: 'misconfigured' }),
};

export function decideAnswer(outcome: ApnsOutcome): PushDecision {
  const rule = ANSWER_RULES.find((r) => r.matches(outcome)) ?? FALLBACK;
  return rule.decide(outcome);
}

/** APNs' reasons, plus our transport errors; anything else is `Unknown` (metric cardinality). */
const KNOWN_REASONS = new Set([
  'BadCollapseId',
  'BadDeviceToken',
  'BadExpirationDate',
  'BadMessageId',
  'BadPriority',
  'BadTopic',
  'DeviceTokenNotForTopic',
  'DuplicateHeaders',
  'IdleTimeout',
  'InvalidPushType',
  'MissingDeviceToken',
  'MissingTopic',
  'PayloadEmpty',
  'TopicDisallowed',
  'BadCertificate',
  'BadCertificateEnvironment',
  'ExpiredProviderToken',
  'Forbidden',
  'InvalidProviderToken',
  'MissingProviderToken',
  'UnrelatedKeyIdInToken',
  'BadEnvironmentKeyIdInToken',
  'BadPath',
  'MethodNotAllowed',
  'Unregistered',
  'ExpiredToken',
  'PayloadTooLarge',
  'TooManyProviderTokenUpdates',
  'TooManyRequests',
  'InternalServerError',
  'ServiceUnavailable',
  'Shutdown',
  'transport_timeout',
  'transport_reset',
  'transport_goaway',
  'transport_connect',
  'transport_tls',
  'transport_closed',
]);

export function knownReason(reason: string): string {
  return KNOWN_REASONS.has(reason) ? reason : 'Unknown';
}

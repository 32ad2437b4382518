import type { PushDecision } from '../../ports/push-gateway';
import type { ApnsOutcome } from './apns-transport';

/**
 * What the sender does with one APNs answer: APNs' answer table (docs/contracts.md, APNs answers), one
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

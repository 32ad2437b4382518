import type { PushOutcome } from '../ports/apns-sender';

/**
 * What the sender does with one APNs answer: the "What to do with each answer" table of
 * apns-reference.md, one rule per row, first match wins. Pure: the use case carries the action out.
 */
export type AnswerAction =
  | { readonly action: 'deliver' }
  /** Remove the token if it was registered before `registeredBefore` (410 timestamp); no retry. */
  | { readonly action: 'prune'; readonly registeredBefore?: Date }
  /** 400 BadDeviceToken: send once to the other environment's host before deciding to prune. */
  | { readonly action: 'check_other_environment' }
  /** Terminal failure. `flag` asks for a warning (likely a client or configuration mistake). */
  | { readonly action: 'fail'; readonly reason: string; readonly flag: boolean }
  /** 403 after the client's own retry: count ApnsAuthError, refresh the credential, retry once if it changed. */
  | { readonly action: 'refresh_credential'; readonly reason: string }
  /** Transient: retry with backoff only while the call still rings. `flag` marks a bug on our side. */
  | { readonly action: 'retry'; readonly reason: string; readonly flag: boolean };

export interface AnswerRule {
  /** The row of the apns-reference table this rule implements. */
  readonly row: string;
  readonly matches: (outcome: PushOutcome) => boolean;
  readonly decide: (outcome: PushOutcome) => AnswerAction;
}

const rejected =
  (status: number, ...reasons: string[]) =>
  (o: PushOutcome) =>
    o.kind === 'rejected' && o.status === status && (reasons.length === 0 || reasons.includes(o.reason));

const reasonOf = (o: PushOutcome): string =>
  o.kind === 'rejected' ? o.reason : o.kind === 'transport-error' ? `transport_${o.error}` : 'accepted';

export const ANSWER_RULES: readonly AnswerRule[] = [
  { row: '200', matches: (o) => o.kind === 'accepted', decide: () => ({ action: 'deliver' }) },
  {
    row: '410 Unregistered / ExpiredToken',
    matches: rejected(410),
    decide: (o) => ({
      action: 'prune',
      ...(o.kind === 'rejected' && o.timestamp !== undefined
        ? { registeredBefore: new Date(o.timestamp) }
        : {}),
    }),
  },
  {
    row: '400 BadDeviceToken',
    matches: rejected(400, 'BadDeviceToken'),
    decide: () => ({ action: 'check_other_environment' }),
  },
  {
    row: '400 DeviceTokenNotForTopic',
    matches: rejected(400, 'DeviceTokenNotForTopic'),
    decide: () => ({ action: 'fail', reason: 'DeviceTokenNotForTopic', flag: true }),
  },
  {
    row: '413 and other 400/404/405',
    matches: (o) => o.kind === 'rejected' && [400, 404, 405, 413].includes(o.status),
    decide: (o) => ({ action: 'fail', reason: knownReason(reasonOf(o)), flag: true }),
  },
  {
    row: '403 ExpiredProviderToken',
    matches: rejected(403, 'ExpiredProviderToken'),
    decide: () => ({ action: 'refresh_credential', reason: 'ExpiredProviderToken' }),
  },
  {
    row: '403 UnrelatedKeyIdInToken',
    matches: rejected(403, 'UnrelatedKeyIdInToken'),
    decide: () => ({ action: 'refresh_credential', reason: 'UnrelatedKeyIdInToken' }),
  },
  {
    row: '403 other',
    matches: rejected(403),
    decide: (o) => ({ action: 'refresh_credential', reason: knownReason(reasonOf(o)) }),
  },
  {
    row: '429 TooManyRequests',
    matches: rejected(429, 'TooManyRequests'),
    decide: () => ({ action: 'retry', reason: 'TooManyRequests', flag: false }),
  },
  {
    row: '429 TooManyProviderTokenUpdates',
    matches: rejected(429, 'TooManyProviderTokenUpdates'),
    decide: () => ({ action: 'retry', reason: 'TooManyProviderTokenUpdates', flag: true }),
  },
  {
    row: '500 / 503, GOAWAY, reset, timeout',
    matches: (o) =>
      o.kind === 'transport-error' || (o.kind === 'rejected' && (o.status >= 500 || o.status === 429)),
    decide: (o) => ({ action: 'retry', reason: knownReason(reasonOf(o)), flag: false }),
  },
];

/** Fallback for answers outside the table (a new status): not retried, flagged so someone looks. */
const FALLBACK: AnswerRule = {
  row: 'fallback',
  matches: () => true,
  decide: (o) => ({ action: 'fail', reason: knownReason(reasonOf(o)), flag: true }),
};

export function decideAnswer(outcome: PushOutcome): AnswerAction {
  const rule = ANSWER_RULES.find((r) => r.matches(outcome)) ?? FALLBACK;
  return rule.decide(outcome);
}

/** APNs reasons of apns-reference.md, plus our transport errors; anything else is `Unknown` (metric cardinality). */
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

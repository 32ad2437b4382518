import type { Device } from '../../domain/device';
import { buildFcmPayload, type FcmCallPayload, fcmMessageFor } from '../../domain/fcm-message';
import type {
  PreparedPush,
  PrepareResult,
  PushAnswer,
  PushCall,
  PushDecision,
  PushGateway,
  PushTarget,
} from '../../ports/push-gateway';
import { isTokenRejection } from './fcm-answer';
import type { FcmOutcome, FcmSender } from './fcm-outcome';

export interface FcmGatewayOptions {
  /** The HTTP/2 transport: `FcmClient`, built once per execution environment. */
  readonly transport: Pick<FcmSender, 'send'>;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Android devices behind the push-gateway port: builds the FCM payload of a call once (a high-priority
 * data message for a ring, a notification for a missed call, within FCM's size limit), the message of
 * each push (the device's token, `ttl` = what is left of the ring window at the send), and reads FCM's
 * answer into the port's decision through FCM's answer table (`FCM_ANSWER_RULES`).
 */
export class FcmGateway implements PushGateway {
  readonly platform = 'android' as const;
  private readonly transport: Pick<FcmSender, 'send'>;
  private readonly now: () => number;

  constructor(options: FcmGatewayOptions) {
    this.transport = options.transport;
    this.now = options.now ?? Date.now;
  }

  prepare(call: PushCall): PrepareResult {
    const built = buildFcmPayload(call.event);
    if (!built.ok) {
      return { ok: false, reason: built.reason, detail: `fcm payload ${built.bytes} > ${built.limit} bytes` };
    }
    return { ok: true, push: new FcmPush(this.transport, this.now, call, built.payload) };
  }
}

/** One call's FCM payload, sent to each of its Android devices. */
class FcmPush implements PreparedPush {
  constructor(
    private readonly transport: Pick<FcmSender, 'send'>,
    private readonly now: () => number,
    private readonly call: PushCall,
    private readonly payload: FcmCallPayload,
  ) {}

  /** An Android device has one token for both push kinds. */
  tokenOf(device: Device): string | undefined {
    return device.fcmToken;
  }

  async send(target: PushTarget): Promise<PushAnswer> {
    const { credential } = target;
    if (credential.auth !== 'fcm') {
      // The provider looks credentials up by platform, so this is a wiring bug: never send it to FCM.
      return failed('credential_platform_mismatch');
    }
    const built = fcmMessageFor(this.payload, target.token, this.call.expiresAtMs, this.now());
    // Less than a second of the ring window left: FCM would drop it too, and a late ring is worse than none.
    if (!built.ok) return failed('ring_window_over', 'sender_bug');
    const outcome = await this.transport.send(credential, built.message);
    return answerOf(outcome);
  }
}

function failed(reason: string, alarm: 'misconfigured' | 'sender_bug' = 'misconfigured'): PushAnswer {
  return { decision: { kind: 'fail', reason, alarm }, pushId: '', latencyMs: 0 };
}

/** FCM's outcome in the port's terms; the push id is FCM's message name (only when it took the message). */
export function answerOf(outcome: FcmOutcome): PushAnswer {
  const decision = decideFcmAnswer(outcome);
  const latencyMs = outcome.latencyMs;
  switch (outcome.kind) {
    case 'accepted':
      return { decision, pushId: outcome.name, statusCode: outcome.status, latencyMs };
    case 'rejected':
      return { decision, pushId: '', statusCode: outcome.status, reason: outcome.errorCode, latencyMs };
    case 'token-error':
      return {
        decision,
        pushId: '',
        reason: knownFcmReason(outcome),
        // Nothing went to FCM without an access token.
        delivery: 'not_delivered',
        latencyMs,
      };
    case 'transport-error':
      return {
        decision,
        pushId: '',
        reason: outcome.error,
        delivery: outcome.maybeDelivered ? 'maybe_delivered' : 'not_delivered',
        latencyMs,
      };
  }
}

/** One row of FCM's answer table (docs/contracts.md, FCM requests and answers); first match wins. */
export interface FcmAnswerRule {
  readonly row: string;
  readonly matches: (outcome: FcmOutcome) => boolean;
  readonly decide: (outcome: FcmOutcome) => PushDecision;
}

const code =
  (...codes: string[]) =>
  (o: FcmOutcome) =>
    o.kind === 'rejected' && codes.includes(o.errorCode);

const retryAfter = (o: FcmOutcome) =>
  o.kind === 'rejected' && o.retryAfterMs !== undefined ? { retryAfterMs: o.retryAfterMs } : {};

export const FCM_ANSWER_RULES: readonly FcmAnswerRule[] = [
  { row: '200', matches: (o) => o.kind === 'accepted', decide: () => ({ kind: 'accepted' }) },
  {
    // registeredBefore is left to the use case: the start of this send, so a token registered again
    // since then is kept.
    row: 'UNREGISTERED, INVALID_ARGUMENT on message.token',
    matches: isTokenRejection,
    decide: (o) => ({ kind: 'prune', reason: o.kind === 'rejected' ? o.errorCode : 'UNREGISTERED' }),
  },
  {
    row: 'INVALID_ARGUMENT on the message',
    matches: code('INVALID_ARGUMENT'),
    decide: () => ({ kind: 'fail', reason: 'INVALID_ARGUMENT', alarm: 'sender_bug' }),
  },
  {
    row: 'SENDER_ID_MISMATCH, PERMISSION_DENIED',
    matches: (o) =>
      code('SENDER_ID_MISMATCH', 'PERMISSION_DENIED')(o) || (o.kind === 'rejected' && o.status === 403),
    decide: (o) => ({ kind: 'fail', reason: knownFcmReason(o), alarm: 'credential' }),
  },
  {
    // The client already renewed the access token once; a rotated service-account key may cure it.
    row: '401 UNAUTHENTICATED after a renewed access token',
    matches: (o) => o.kind === 'rejected' && o.status === 401 && o.errorCode !== 'THIRD_PARTY_AUTH_ERROR',
    decide: () => ({ kind: 'refresh_credential', reason: 'UNAUTHENTICATED' }),
  },
  {
    row: 'THIRD_PARTY_AUTH_ERROR',
    matches: code('THIRD_PARTY_AUTH_ERROR'),
    decide: () => ({ kind: 'fail', reason: 'THIRD_PARTY_AUTH_ERROR', alarm: 'misconfigured' }),
  },
  {
    row: 'QUOTA_EXCEEDED (429), UNAVAILABLE / INTERNAL (5xx)',
    matches: (o) => o.kind === 'rejected' && (o.status === 429 || o.status >= 500),
    decide: (o) => ({ kind: 'retry', reason: knownFcmReason(o), ...retryAfter(o) }),
  },
  {
    // invalid_grant and the like: the key was revoked or rotated; read the secret again once.
    row: 'token endpoint refused the credential',
    matches: (o) => o.kind === 'token-error' && !o.retryable,
    decide: (o) => ({ kind: 'refresh_credential', reason: knownFcmReason(o) }),
  },
  {
    row: 'token endpoint unavailable, transport failure',
    matches: (o) => o.kind === 'token-error' || o.kind === 'transport-error',
    decide: (o) => ({ kind: 'retry', reason: knownFcmReason(o) }),
  },
];

/** Answers outside the table (a new status or code): not retried, flagged so someone looks. */
const FALLBACK: FcmAnswerRule = {
  row: 'fallback',
  matches: () => true,
  decide: (o) => ({ kind: 'fail', reason: knownFcmReason(o), alarm: 'misconfigured' }),
};

export function decideFcmAnswer(outcome: FcmOutcome): PushDecision {
  return (FCM_ANSWER_RULES.find((rule) => rule.matches(outcome)) ?? FALLBACK).decide(outcome);
}

/** FCM's error codes and our transport and token failures; anything else is `Unknown` (metric cardinality). */
const KNOWN_FCM_REASONS = new Set([
  'UNREGISTERED',
  'INVALID_ARGUMENT',
  'SENDER_ID_MISMATCH',
  'PERMISSION_DENIED',
  'QUOTA_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'UNAVAILABLE',
  'INTERNAL',
  'THIRD_PARTY_AUTH_ERROR',
  'UNAUTHENTICATED',
  'UNSPECIFIED_ERROR',
  'oauth_token_refused',
  'oauth_token_unavailable',
  'transport_timeout',
  'transport_reset',
  'transport_goaway',
  'transport_connect',
  'transport_tls',
  'transport_closed',
]);

export function knownFcmReason(outcome: FcmOutcome): string {
  const reason =
    outcome.kind === 'rejected'
      ? outcome.errorCode
      : outcome.kind === 'transport-error'
        ? `transport_${outcome.error}`
        : outcome.kind === 'token-error'
          ? outcome.retryable
            ? 'oauth_token_unavailable'
            : 'oauth_token_refused'
          : 'accepted';
  return KNOWN_FCM_REASONS.has(reason) ? reason : 'Unknown';
}

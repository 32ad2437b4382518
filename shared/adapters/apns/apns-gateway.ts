import { randomUUID } from 'node:crypto';
import type { ApnsEnvironment } from '../../domain/apns-credential';
import { type Device, type PushKind, tokenAttribute } from '../../domain/device';
import type {
  PreparedPush,
  PrepareResult,
  PushAnswer,
  PushCall,
  PushGateway,
  PushTarget,
} from '../../ports/push-gateway';
import { decideAnswer } from './apns-answer-policy';
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
 * port's decision through the answer table (`apns-answer-policy.ts`).
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
    const { device } = target;
    const environment = target.alternate ? otherEnvironment(device.environment) : device.environment;
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
    const outcome = await this.transport.send(target.credential, request);
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

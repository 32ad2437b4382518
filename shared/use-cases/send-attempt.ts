import type { ApnsCredential, ApnsEnvironment } from '../domain/apns-credential';
import type { Device } from '../domain/device';
import type { PushOutcome } from '../ports/apns-sender';
import type { FanOutDeps } from './fan-out-deps';
import type { PreparedCall } from './prepared-call';

/** One push sent to APNs and its answer, with what the log line and the result are made of. */
export interface AnsweredAttempt {
  /** 1 for the first push of this device, then one more per retry. */
  readonly number: number;
  /** The apns-id we sent; APNs' own answer carries the one to report (see `reportedApnsId`). */
  readonly apnsId: string;
  readonly environment: ApnsEnvironment;
  /** ms since epoch (our clock). */
  readonly sentAt: number;
  /** ms since epoch (our clock). */
  readonly answeredAt: number;
  readonly answer: PushOutcome;
  readonly statusCode: number | undefined;
  /** APNs' rejection reason, or the transport error. */
  readonly reason: string | undefined;
}

/** Sends one push of this call to this device, in this environment, with this credential. */
export async function sendAttempt(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
  token: string,
  credential: ApnsCredential,
  environment: ApnsEnvironment,
  number: number,
): Promise<AnsweredAttempt> {
  const topic = call.pushType === 'voip' ? `${device.bundleId}.voip` : device.bundleId;
  const apnsId = deps.newApnsId();
  const sentAt = deps.clock.now();
  const answer = await deps.apns.send(credential, {
    token,
    environment,
    pushType: call.pushType,
    topic,
    priority: 10,
    expiration: call.expiration,
    apnsId,
    // A repeated missed-call alert (retry after an ambiguous answer, redelivery) replaces, not adds.
    ...(call.pushType === 'alert' ? { collapseId: call.event.callId } : {}),
    payload: call.payload,
  });
  const answeredAt = deps.clock.now();
  const statusCode = answer.kind === 'transport-error' ? undefined : answer.status;
  const reason =
    answer.kind === 'rejected' ? answer.reason : answer.kind === 'transport-error' ? answer.error : undefined;
  return { number, apnsId, environment, sentAt, answeredAt, answer, statusCode, reason };
}

/** The apns-id to report: the one APNs answered with, else the one we sent. */
export function reportedApnsId(attempt: AnsweredAttempt): string {
  return attempt.answer.apnsId || attempt.apnsId;
}

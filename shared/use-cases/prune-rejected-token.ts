import type { Device } from '../domain/device';
import { type AttemptsResult, attemptsResult } from './attempts-result';
import type { FanOutDeps } from './fan-out-deps';
import type { PreparedCall } from './prepared-call';
import type { AnsweredAttempt } from './send-attempt';

/**
 * Removes a token APNs no longer takes, unless it was registered again since `registeredBefore`. The
 * result is `pruned` when it went, `failed` when it stays (re-registered, or the removal failed).
 */
export async function pruneRejectedToken(
  deps: FanOutDeps,
  call: PreparedCall,
  device: Device,
  token: string,
  attempt: AnsweredAttempt,
  registeredBefore: Date,
  reason: string,
): Promise<AttemptsResult> {
  try {
    const removed = await deps.devices.pruneToken({
      userId: device.userId,
      deviceId: device.deviceId,
      kind: call.pushType,
      token,
      registeredBefore,
    });
    if (removed) return attemptsResult(attempt, 'pruned', reason);
    deps.log.info('prune skipped: token re-registered since', {
      callId: call.event.callId,
      deviceId: device.deviceId,
    });
    return attemptsResult(attempt, 'failed', reason);
  } catch (error) {
    deps.log.error('prune failed', {
      callId: call.event.callId,
      deviceId: device.deviceId,
      error: String(error),
    });
    return attemptsResult(attempt, 'failed', reason);
  }
}

import type { Device } from '../domain/device';
import {
  DEFAULT_DEVICE_LIMITS,
  type DeviceLimits,
  parseDeviceId,
  parseRegisterDeviceBody,
} from '../domain/device-rules';
import { ValidationError } from '../domain/errors';
import { isKnownApp, type KnownApps } from '../domain/known-apps';
import { tokenHash } from '../domain/token-hash';
import type { DeviceRepository } from '../ports/device-repository';
import type { LogSink } from '../ports/log';

export interface RegisterDeviceDeps {
  readonly repository: DeviceRepository;
  readonly limits?: Partial<DeviceLimits>;
  /** The apps the deployment holds a credential for (KNOWN_APPS); undefined accepts any app. */
  readonly knownApps?: KnownApps;
  readonly clock?: () => Date;
  readonly log?: LogSink;
}

export interface RegisterDeviceRequest {
  /** The authenticated caller (the JWT's `sub`), never a body field. */
  readonly userId: string;
  /** From the path; validated here. */
  readonly deviceId: string;
  /** The parsed JSON body; validated here. */
  readonly body: unknown;
}

/**
 * PUT /v1/devices/{deviceId}: validates the request (an iOS or an Android body, by `platform`), refuses
 * an app the deployment cannot push to, stores the device (a repeat keeps createdAt and bumps
 * updatedAt), takes its tokens from any other owner and evicts beyond the per-user cap.
 */
export async function registerDevice(
  deps: RegisterDeviceDeps,
  request: RegisterDeviceRequest,
): Promise<Device> {
  const deviceId = parseDeviceId(request.deviceId);
  const body = parseRegisterDeviceBody(request.body);
  if (!isKnownApp(deps.knownApps, body.platform, body.bundleId)) {
    throw ValidationError.forField(
      'bundleId',
      `is not an app this deployment has an ${body.platform === 'android' ? 'FCM' : 'APNs'} credential for`,
    );
  }
  const limits = { ...DEFAULT_DEVICE_LIMITS, ...deps.limits };
  const result = await deps.repository.register({
    userId: request.userId,
    deviceId,
    ...body,
    now: deps.clock?.() ?? new Date(),
    maxDevicesPerUser: limits.maxDevicesPerUser,
    ttlDays: limits.deviceTtlDays,
  });

  const log = deps.log;
  if (log) {
    const tokens =
      body.platform === 'android' ? { fcm: body.fcmToken } : { voip: body.voipToken, alert: body.alertToken };
    for (const move of result.moved) {
      const token = tokens[move.kind as keyof typeof tokens];
      log.info('token moved', {
        kind: move.kind,
        tokenHash: token === undefined ? undefined : tokenHash(token),
        fromUserId: move.fromUserId,
        fromDeviceId: move.fromDeviceId,
        toUserId: request.userId,
        toDeviceId: deviceId,
      });
    }
    for (const evictedDeviceId of result.evicted) {
      log.info('device evicted', {
        userId: request.userId,
        deviceId: evictedDeviceId,
        maxDevicesPerUser: limits.maxDevicesPerUser,
      });
    }
    log.info('device registered', {
      userId: request.userId,
      deviceId,
      platform: body.platform,
      ...(body.platform === 'android'
        ? { fcmTokenHash: tokenHash(body.fcmToken) }
        : {
            environment: body.environment,
            voipTokenHash: tokenHash(body.voipToken),
            alertTokenHash: body.alertToken === undefined ? undefined : tokenHash(body.alertToken),
          }),
      created: result.device.createdAt === result.device.updatedAt,
    });
  }
  return result.device;
}

import type { ApnsEnvironment } from './apns-credential';

/**
 * The push platform a device is reached through. Each platform has one push-gateway adapter
 * (`shared/ports/push-gateway.ts`); today that is APNs for `ios`, the default of every stored device.
 */
export type Platform = 'ios';

/**
 * What a push is for, and so which of a device's tokens it uses: `voip` rings an incoming call (PushKit
 * VoIP push), `alert` shows a missed call (a standard notification).
 */
export type PushKind = 'voip' | 'alert';

/** A registered device of one user (docs/contracts.md, registration API). Tokens are lower-case hex. */
export interface Device {
  readonly userId: string;
  readonly deviceId: string;
  /** Absent on every device stored so far: read it with `platformOf`. */
  readonly platform?: Platform;
  readonly bundleId: string;
  readonly environment: ApnsEnvironment;
  /** PushKit VoIP token; absent after it was pruned (410 / BadDeviceToken). */
  readonly voipToken?: string;
  /** Standard remote-notification token, used for missed-call alerts. */
  readonly alertToken?: string;
  readonly appVersion?: string;
  readonly locale?: string;
  /** ISO-8601. */
  readonly createdAt: string;
  /** ISO-8601; also the moment its tokens were last confirmed by the app. */
  readonly updatedAt: string;
}

/** The platform of a device: `ios` unless it says otherwise. */
export function platformOf(device: Pick<Device, 'platform'>): Platform {
  return device.platform ?? 'ios';
}

/** The device attribute that holds the token of a push kind. */
export function tokenAttribute(kind: PushKind): 'voipToken' | 'alertToken' {
  return kind === 'voip' ? 'voipToken' : 'alertToken';
}

/** What a registration says about a device: its owner, its id and the API body's fields. */
export type DeviceRegistration = Pick<
  Device,
  'userId' | 'deviceId' | 'bundleId' | 'environment' | 'alertToken' | 'appVersion' | 'locale'
> & { readonly voipToken: string };

const OPTIONAL_FIELDS = ['platform', 'voipToken', 'alertToken', 'appVersion', 'locale'] as const;

/** A device's own fields, without what a store keeps beside them (keys, counters, TTL); absent ones left out. */
export function deviceOf(source: Device): Device {
  const device: Device = {
    userId: source.userId,
    deviceId: source.deviceId,
    bundleId: source.bundleId,
    environment: source.environment,
    createdAt: source.createdAt,
    updatedAt: source.updatedAt,
  };
  for (const field of OPTIONAL_FIELDS) {
    if (source[field] !== undefined) Object.assign(device, { [field]: source[field] });
  }
  return device;
}

/** The device a registration stores: `createdAt` kept from the first registration, `updatedAt` now. */
export function registeredDevice(
  registration: DeviceRegistration,
  createdAt: string,
  updatedAt: string,
): Device {
  return deviceOf({ ...registration, createdAt, updatedAt });
}

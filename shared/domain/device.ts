import type { ApnsEnvironment } from './apns-credential';

/**
 * The push platform a device is reached through. Each platform has one push-gateway adapter
 * (`shared/ports/push-gateway.ts`): APNs for `ios`, the default of every device stored before Android
 * existed, and FCM for `android`.
 */
export type Platform = 'ios' | 'android';

export const PLATFORMS: readonly Platform[] = ['ios', 'android'];

/**
 * What a push is for, and so which of a device's tokens it uses: `voip` rings an incoming call (PushKit
 * VoIP push, FCM high-priority data message), `alert` shows a missed call (a standard notification).
 */
export type PushKind = 'voip' | 'alert';

/**
 * The tokens a device may hold: an iOS device's PushKit VoIP token and standard alert token (lower-case
 * hex), an Android device's FCM registration token (opaque, case-sensitive), used for both push kinds.
 */
export type TokenKind = 'voip' | 'alert' | 'fcm';

/** A registered device of one user (docs/contracts.md, registration API). */
export interface Device {
  readonly userId: string;
  readonly deviceId: string;
  /** Absent on devices stored before Android existed: read it with `platformOf`. */
  readonly platform?: Platform;
  /** The app's bundle id (iOS) or package name (Android). */
  readonly bundleId: string;
  /** iOS only: which APNs host the device's tokens belong to. */
  readonly environment?: ApnsEnvironment;
  /** iOS: PushKit VoIP token, lower-case hex; absent after it was pruned (410 / BadDeviceToken). */
  readonly voipToken?: string;
  /** iOS: standard remote-notification token, used for missed-call alerts. */
  readonly alertToken?: string;
  /** Android: FCM registration token, as registered; absent after it was pruned (UNREGISTERED). */
  readonly fcmToken?: string;
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

/** The device attribute that holds a token of this kind. */
export function tokenAttribute(kind: TokenKind): 'voipToken' | 'alertToken' | 'fcmToken' {
  return kind === 'fcm' ? 'fcmToken' : kind === 'voip' ? 'voipToken' : 'alertToken';
}

/** The kind of token a push of `kind` uses on this device: the FCM token for both kinds on Android. */
export function pushTokenKind(device: Pick<Device, 'platform'>, kind: PushKind): TokenKind {
  return platformOf(device) === 'android' ? 'fcm' : kind;
}

/** The platform whose tokens are of this kind. */
export const platformOfToken = (kind: TokenKind): Platform => (kind === 'fcm' ? 'android' : 'ios');

/** Tokens a device holds, by kind. */
export function heldTokens(
  device: Pick<Device, 'voipToken' | 'alertToken' | 'fcmToken'>,
): [TokenKind, string][] {
  const held: [TokenKind, string][] = [];
  if (device.voipToken) held.push(['voip', device.voipToken]);
  if (device.alertToken) held.push(['alert', device.alertToken]);
  if (device.fcmToken) held.push(['fcm', device.fcmToken]);
  return held;
}

interface RegistrationFields {
  readonly userId: string;
  readonly deviceId: string;
  readonly bundleId: string;
  readonly appVersion?: string;
  readonly locale?: string;
}

/** An iOS device's registration: `platform` may be left out (every body before Android). */
export interface IosRegistration extends RegistrationFields {
  readonly platform?: 'ios';
  readonly environment: ApnsEnvironment;
  readonly voipToken: string;
  readonly alertToken?: string;
}

export interface AndroidRegistration extends RegistrationFields {
  readonly platform: 'android';
  readonly fcmToken: string;
}

/** What a registration says about a device: its owner, its id and the API body's fields. */
export type DeviceRegistration = IosRegistration | AndroidRegistration;

/** The tokens a registration asks for, by kind: VoIP then alert (iOS), or the FCM token (Android). */
export function registrationTokens(registration: DeviceRegistration): [TokenKind, string][] {
  if (registration.platform === 'android') return [['fcm', registration.fcmToken]];
  const wanted: [TokenKind, string][] = [['voip', registration.voipToken]];
  if (registration.alertToken !== undefined) wanted.push(['alert', registration.alertToken]);
  return wanted;
}

const OPTIONAL_FIELDS = [
  'platform',
  'environment',
  'voipToken',
  'alertToken',
  'fcmToken',
  'appVersion',
  'locale',
] as const;

/** A device's own fields, without what a store keeps beside them (keys, counters, TTL); absent ones left out. */
export function deviceOf(source: Device): Device {
  const device: Device = {
    userId: source.userId,
    deviceId: source.deviceId,
    bundleId: source.bundleId,
    createdAt: source.createdAt,
    updatedAt: source.updatedAt,
  };
  for (const field of OPTIONAL_FIELDS) {
    if (source[field] !== undefined) Object.assign(device, { [field]: source[field] });
  }
  return device;
}

/**
 * The device a registration stores: `platform` always written (`ios` when the body left it out),
 * `createdAt` kept from the first registration, `updatedAt` now.
 */
export function registeredDevice(
  registration: DeviceRegistration,
  createdAt: string,
  updatedAt: string,
): Device {
  const common = {
    userId: registration.userId,
    deviceId: registration.deviceId,
    bundleId: registration.bundleId,
    appVersion: registration.appVersion,
    locale: registration.locale,
    createdAt,
    updatedAt,
  };
  if (registration.platform === 'android') {
    return deviceOf({ ...common, platform: 'android', fcmToken: registration.fcmToken });
  }
  return deviceOf({
    ...common,
    platform: 'ios',
    environment: registration.environment,
    voipToken: registration.voipToken,
    alertToken: registration.alertToken,
  });
}

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

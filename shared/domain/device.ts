import type { ApnsEnvironment } from './apns-credential';

/** A registered device of one user (design section 2). Tokens are lower-case hex. */
export interface Device {
  readonly userId: string;
  readonly deviceId: string;
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

export type TokenKind = 'voip' | 'alert';

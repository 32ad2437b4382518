import type { TokenKind } from '../domain/device';
import type { RegisterDeviceInput } from '../ports/device-repository';
import type { DeviceItem, TokenOwnerItem, UserMetaItem } from './dynamo-device-items';

/** What a registration read, consistently, before it writes. */
export interface RegisterSnapshot {
  /** The user's device items (the device being registered included, when it exists). */
  readonly devices: readonly DeviceItem[];
  readonly meta: UserMetaItem | undefined;
  /** Owner items of every token involved (new, replaced, evicted), by token. */
  readonly owners: ReadonlyMap<string, TokenOwnerItem | undefined>;
  /** Devices of other users that hold one of the new tokens, by `userId\0deviceId`. */
  readonly otherDevices: ReadonlyMap<string, DeviceItem | undefined>;
}

export const deviceRef = (userId: string, deviceId: string) => `${userId}\u0000${deviceId}`;

/** The tokens a registration asks for, by kind: the VoIP token, then the alert token if any. */
export function wantedTokens(input: RegisterDeviceInput): [TokenKind, string][] {
  const wanted: [TokenKind, string][] = [['voip', input.voipToken]];
  if (input.alertToken !== undefined) wanted.push(['alert', input.alertToken]);
  return wanted;
}

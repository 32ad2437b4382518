import { describe, expect, it } from '@jest/globals';
import type { IosRegistration, Platform, TokenKind } from '../../shared/domain/device';
import type { DeviceRepository, RegisterDeviceInput } from '../../shared/ports/device-repository';

/** A repository under test, on storage that outlives it, with a clock the cases move. */
export interface RepositoryUnderTest {
  /** The repository; its clock (TTL on reads) reads `now()`. */
  readonly repository: DeviceRepository;
  /** Moves the repository's clock to this moment, ms since epoch. */
  setNow(ms: number): void;
  /** The (user, device) that holds `token` of the platform (default ios) now, read from the storage itself. */
  ownerOf(
    token: string,
    platform?: Platform,
  ): Promise<{ userId: string; deviceId: string; kind: TokenKind } | undefined>;
}

export const token = (n: number, bytes = 32) => n.toString(16).padStart(2, '0').repeat(bytes);
export const CONTRACT_T0 = Date.parse('2026-11-28T10:00:00.000Z');

let unique = 0;
/** A fresh user id per case: every case works in its own partitions of a shared table. */
export const aUser = (name: string) => `${name}-${++unique}-${Math.random().toString(36).slice(2, 8)}`;

/** A registration at T0 + `at` ms, cap 3, TTL 180 days. */
export function registration(
  userId: string,
  deviceId: string,
  voipToken: string,
  at = 0,
  extra: Partial<Omit<IosRegistration, 'platform'>> & Partial<Pick<RegisterDeviceInput, 'ttlDays'>> = {},
): RegisterDeviceInput {
  return {
    userId,
    deviceId,
    bundleId: 'com.example.app',
    environment: 'production',
    voipToken,
    now: new Date(CONTRACT_T0 + at),
    maxDevicesPerUser: 3,
    ttlDays: 180,
    ...extra,
  };
}

/**
 * The DeviceRepository port's rules, run against every implementation (the DynamoDB adapter against
 * DynamoDB Local, the in-memory fake the use-case tests rely on), so the fake cannot drift from the
 * adapter: one owner per token, moves, releases, the cap's eviction, prune conditions, TTL on reads.
 */
/** An Android registration at T0 + `at` ms, cap 3, TTL 180 days. */
export function androidRegistration(
  userId: string,
  deviceId: string,
  fcmToken: string,
  at = 0,
): RegisterDeviceInput {
  return {
    platform: 'android',
    userId,
    deviceId,
    bundleId: 'com.example.my_app',
    fcmToken,
    now: new Date(CONTRACT_T0 + at),
    maxDevicesPerUser: 3,
    ttlDays: 180,
  };
}

/** An FCM-looking registration token: mixed case, `:`, `_` and `-`, about FCM's length today. */
export const fcmToken = (n: number) => `f${n}Ab:APA91b_${'xY-z'.repeat(35)}${n}`;

export function describeDeviceRepositoryContract(name: string, setup: () => RepositoryUnderTest): void {
  describe(`${name}: the DeviceRepository contract`, () => {
    it('registers, gets, lists and removes a device and releases its tokens when used in turn', async () => {
      const { repository: r, ownerOf } = setup();
      const u = aUser('u');
      const t = token(1);
      const { device } = await r.register(
        registration(u, 'd1', t, 0, { alertToken: token(2, 20), locale: 'en-US' }),
      );
      expect(device).toMatchObject({
        userId: u,
        deviceId: 'd1',
        voipToken: t,
        alertToken: token(2, 20),
        locale: 'en-US',
      });
      expect(await r.get(u, 'd1')).toEqual(device);
      expect(await r.listByUser(u)).toEqual([device]);
      await r.remove(u, 'd1');
      await r.remove(u, 'd1');
      expect(await r.get(u, 'd1')).toBeUndefined();
      expect(await r.listByUser(u)).toEqual([]);
      expect(await ownerOf(t)).toBeUndefined();
      expect(await ownerOf(token(2, 20))).toBeUndefined();
    });

    it('keeps createdAt and bumps updatedAt when the same registration repeats', async () => {
      const { repository: r } = setup();
      const u = aUser('u');
      await r.register(registration(u, 'd1', token(4)));
      const { device, moved } = await r.register(registration(u, 'd1', token(4), 60_000));
      expect(device.createdAt).toBe(new Date(CONTRACT_T0).toISOString());
      expect(device.updatedAt).toBe(new Date(CONTRACT_T0 + 60_000).toISOString());
      expect(moved).toEqual([]);
    });

    it('moves the token to the new user when another user registers it', async () => {
      const { repository: r, ownerOf } = setup();
      const [a, b] = [aUser('a'), aUser('b')];
      const t = token(5);
      await r.register(registration(a, 'phone', t));
      const { moved } = await r.register(registration(b, 'phone', t, 1000));
      expect(moved).toEqual([{ kind: 'voip', fromUserId: a, fromDeviceId: 'phone' }]);
      expect((await r.get(a, 'phone'))?.voipToken).toBeUndefined();
      expect(await ownerOf(t)).toMatchObject({ userId: b, deviceId: 'phone', kind: 'voip' });
    });

    it('moves the token between devices of one user when the app reinstalls with a new device id', async () => {
      const { repository: r, ownerOf } = setup();
      const u = aUser('u');
      const t = token(6);
      await r.register(registration(u, 'old', t));
      const { moved } = await r.register(registration(u, 'new', t, 1000));
      expect(moved).toEqual([{ kind: 'voip', fromUserId: u, fromDeviceId: 'old' }]);
      expect((await r.get(u, 'old'))?.voipToken).toBeUndefined();
      expect(await ownerOf(t)).toMatchObject({ userId: u, deviceId: 'new' });
    });

    it('releases the previous token when a device registers a new one', async () => {
      const { repository: r, ownerOf } = setup();
      const u = aUser('u');
      await r.register(registration(u, 'd1', token(7)));
      await r.register(registration(u, 'd1', token(8), 1000));
      expect(await ownerOf(token(7))).toBeUndefined();
      expect(await ownerOf(token(8))).toMatchObject({ deviceId: 'd1' });
    });

    it('evicts the least recently updated device when a new device exceeds the cap of 3', async () => {
      const { repository: r, ownerOf } = setup();
      const u = aUser('u');
      await r.register(registration(u, 'a', token(10), 0));
      await r.register(registration(u, 'b', token(11), 1000));
      await r.register(registration(u, 'c', token(12), 2000));
      await r.register(registration(u, 'a', token(10), 3000));
      const { evicted } = await r.register(registration(u, 'd', token(13), 4000));
      expect(evicted).toEqual(['b']);
      expect((await r.listByUser(u)).map((d) => d.deviceId)).toEqual(['a', 'c', 'd']);
      expect(await ownerOf(token(11))).toBeUndefined();
    });

    it('prunes a token only when the device still holds it and registered it before the cutoff', async () => {
      const { repository: r, ownerOf } = setup();
      const u = aUser('u');
      const t = token(30);
      await r.register(registration(u, 'd1', t));
      const base = { userId: u, deviceId: 'd1', kind: 'voip' as const };
      expect(await r.pruneToken({ ...base, token: token(31) })).toBe(false);
      expect(await r.pruneToken({ ...base, token: t, registeredBefore: new Date(CONTRACT_T0) })).toBe(false);
      expect(await r.pruneToken({ ...base, token: t, registeredBefore: new Date(CONTRACT_T0 + 1) })).toBe(
        true,
      );
      expect(await r.pruneToken({ ...base, token: t })).toBe(false);
      expect((await r.get(u, 'd1'))?.voipToken).toBeUndefined();
      expect(await ownerOf(t)).toBeUndefined();
    });

    it('does not prune the new holder when the token moved to another user after the push', async () => {
      const { repository: r, ownerOf } = setup();
      const [a, b] = [aUser('a'), aUser('b')];
      const t = token(32);
      await r.register(registration(a, 'd1', t));
      await r.register(registration(b, 'd2', t, 1000));
      expect(await r.pruneToken({ userId: a, deviceId: 'd1', kind: 'voip', token: t })).toBe(false);
      expect(await ownerOf(t)).toMatchObject({ userId: b, deviceId: 'd2' });
    });

    it('hides a device when its TTL has passed but the item is still stored', async () => {
      const { repository: r, setNow } = setup();
      const u = aUser('u');
      await r.register(registration(u, 'd1', token(33), 0, { ttlDays: 1 }));
      setNow(CONTRACT_T0 + 2 * 86_400_000);
      expect(await r.get(u, 'd1')).toBeUndefined();
      expect(await r.listByUser(u)).toEqual([]);
    });

    it('stores an Android device with its FCM token exactly as given when registered', async () => {
      const { repository: r, ownerOf } = setup();
      const u = aUser('u');
      const t = fcmToken(1);
      const { device } = await r.register(androidRegistration(u, 'pixel', t));
      expect(device).toMatchObject({ platform: 'android', fcmToken: t, bundleId: 'com.example.my_app' });
      expect(device.voipToken).toBeUndefined();
      expect(device.environment).toBeUndefined();
      expect(await r.get(u, 'pixel')).toMatchObject({ platform: 'android', fcmToken: t });
      expect(await ownerOf(t, 'android')).toMatchObject({ userId: u, deviceId: 'pixel', kind: 'fcm' });
    });

    it('keeps two FCM tokens that differ only in case as two owners when two users register them', async () => {
      const { repository: r, ownerOf } = setup();
      const [a, b] = [aUser('a'), aUser('b')];
      const t = fcmToken(2);
      await r.register(androidRegistration(a, 'p1', t));
      const { moved } = await r.register(androidRegistration(b, 'p2', t.toUpperCase(), 1000));
      expect(moved).toEqual([]);
      expect((await r.get(a, 'p1'))?.fcmToken).toBe(t);
      expect(await ownerOf(t, 'android')).toMatchObject({ userId: a });
      expect(await ownerOf(t.toUpperCase(), 'android')).toMatchObject({ userId: b });
    });

    it('does not collide with a hex APNs token of the same text when an FCM token is registered', async () => {
      const { repository: r, ownerOf } = setup();
      const [a, b] = [aUser('a'), aUser('b')];
      const hex = token(40);
      await r.register(registration(a, 'iphone', hex));
      const { moved } = await r.register(androidRegistration(b, 'pixel', hex, 1000));
      expect(moved).toEqual([]);
      expect((await r.get(a, 'iphone'))?.voipToken).toBe(hex);
      expect(await ownerOf(hex)).toMatchObject({ userId: a, kind: 'voip' });
      expect(await ownerOf(hex, 'android')).toMatchObject({ userId: b, kind: 'fcm' });
    });

    it('moves an FCM token to its new owner and strips it from the old device when registered again', async () => {
      const { repository: r, ownerOf } = setup();
      const [a, b] = [aUser('a'), aUser('b')];
      const t = fcmToken(3);
      await r.register(androidRegistration(a, 'p1', t));
      const { moved } = await r.register(androidRegistration(b, 'p2', t, 1000));
      expect(moved).toEqual([{ kind: 'fcm', fromUserId: a, fromDeviceId: 'p1' }]);
      expect((await r.get(a, 'p1'))?.fcmToken).toBeUndefined();
      expect(await ownerOf(t, 'android')).toMatchObject({ userId: b, deviceId: 'p2' });
    });

    it('prunes the FCM token of an Android device for either push kind when it registered before the cutoff', async () => {
      const { repository: r, ownerOf } = setup();
      const u = aUser('u');
      const t = fcmToken(4);
      await r.register(androidRegistration(u, 'p1', t));
      const base = { userId: u, deviceId: 'p1', token: t };
      expect(await r.pruneToken({ ...base, kind: 'voip', registeredBefore: new Date(CONTRACT_T0) })).toBe(
        false,
      );
      expect(
        await r.pruneToken({ ...base, kind: 'alert', registeredBefore: new Date(CONTRACT_T0 + 1) }),
      ).toBe(true);
      expect(await r.get(u, 'p1')).toMatchObject({ platform: 'android' });
      expect((await r.get(u, 'p1'))?.fcmToken).toBeUndefined();
      expect(await ownerOf(t, 'android')).toBeUndefined();
    });

    it('releases the APNs tokens when a device registers again as Android', async () => {
      const { repository: r, ownerOf } = setup();
      const u = aUser('u');
      const hex = token(41);
      await r.register(registration(u, 'd1', hex, 0, { alertToken: token(42, 20) }));
      const { device } = await r.register(androidRegistration(u, 'd1', fcmToken(5), 1000));
      expect(device).toMatchObject({ platform: 'android', fcmToken: fcmToken(5) });
      expect(device.voipToken).toBeUndefined();
      expect(device.alertToken).toBeUndefined();
      expect(await ownerOf(hex)).toBeUndefined();
      expect(await ownerOf(token(42, 20))).toBeUndefined();
      expect(await ownerOf(fcmToken(5), 'android')).toMatchObject({ deviceId: 'd1' });
    });
  });
}

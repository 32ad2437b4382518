import { describe, expect, it } from '@jest/globals';
import { ValidationError } from '../../shared/domain/errors';
import { tokenHash } from '../../shared/domain/token-hash';
import { listDevices } from '../../shared/use-cases/list-devices';
import { registerDevice } from '../../shared/use-cases/register-device';
import { removeDevice } from '../../shared/use-cases/remove-device';
import { InMemoryDeviceRepository } from '../fakes/in-memory-device-repository';
import { MemoryLogSink } from '../fakes/memory-telemetry';

const token = (n: number, bytes = 32) => n.toString(16).padStart(2, '0').repeat(bytes);
const body = (voip: string, extra: Record<string, unknown> = {}) => ({
  bundleId: 'com.example.app',
  environment: 'production',
  voipToken: voip,
  ...extra,
});

function setup(start = Date.parse('2026-11-28T10:00:00.000Z')) {
  let now = start;
  const clock = () => new Date(now);
  const log = new MemoryLogSink();
  const repository = new InMemoryDeviceRepository(clock);
  const deps = {
    repository,
    clock,
    log,
    limits: { maxDevicesPerUser: 3, deviceTtlDays: 180 },
  };
  return { deps, repository, lines: log.lines, tick: (ms = 1000) => (now += ms) };
}

describe('registerDevice', () => {
  it('stores lower-case tokens and timestamps when a device registers for the first time', async () => {
    const { deps } = setup();
    const device = await registerDevice(deps, {
      userId: 'u1',
      deviceId: 'd1',
      body: body('AB'.repeat(32), { alertToken: 'CD'.repeat(20), locale: 'en-US', appVersion: '1.0' }),
    });
    expect(device).toEqual({
      userId: 'u1',
      deviceId: 'd1',
      platform: 'ios',
      bundleId: 'com.example.app',
      environment: 'production',
      voipToken: 'ab'.repeat(32),
      alertToken: 'cd'.repeat(20),
      locale: 'en-US',
      appVersion: '1.0',
      createdAt: '2026-11-28T10:00:00.000Z',
      updatedAt: '2026-11-28T10:00:00.000Z',
    });
  });

  it('keeps createdAt and bumps updatedAt when the same registration repeats', async () => {
    const { deps, tick } = setup();
    await registerDevice(deps, { userId: 'u1', deviceId: 'd1', body: body(token(1)) });
    tick(5000);
    const again = await registerDevice(deps, { userId: 'u1', deviceId: 'd1', body: body(token(1)) });
    expect(again.createdAt).toBe('2026-11-28T10:00:00.000Z');
    expect(again.updatedAt).toBe('2026-11-28T10:00:05.000Z');
  });

  it('moves the token and logs only its hash when another user registers it', async () => {
    const { deps, repository, lines } = setup();
    await registerDevice(deps, { userId: 'u1', deviceId: 'd1', body: body(token(7)) });
    await registerDevice(deps, { userId: 'u2', deviceId: 'd9', body: body(token(7)) });
    expect((await repository.get('u1', 'd1'))?.voipToken).toBeUndefined();
    expect(repository.ownerOf(token(7))).toEqual({ userId: 'u2', deviceId: 'd9', kind: 'voip' });
    const moved = lines.find((line) => line.message === 'token moved');
    expect(moved?.data).toMatchObject({ tokenHash: tokenHash(token(7)), fromUserId: 'u1', toUserId: 'u2' });
    expect(JSON.stringify(lines)).not.toContain(token(7));
  });

  it('evicts the least recently updated device when a new one exceeds the cap', async () => {
    const { deps, repository, lines, tick } = setup();
    for (const id of ['a', 'b', 'c']) {
      await registerDevice(deps, { userId: 'u1', deviceId: id, body: body(token(id.charCodeAt(0))) });
      tick();
    }
    await registerDevice(deps, { userId: 'u1', deviceId: 'a', body: body(token(97)) });
    tick();
    await registerDevice(deps, { userId: 'u1', deviceId: 'd', body: body(token(100)) });
    expect((await repository.listByUser('u1')).map((d) => d.deviceId)).toEqual(['a', 'c', 'd']);
    expect(repository.ownerOf(token(98))).toBeUndefined();
    expect(lines.some((line) => line.message === 'device evicted' && line.data.deviceId === 'b')).toBe(true);
  });

  it('releases the old token when a device registers a new one', async () => {
    const { deps, repository } = setup();
    await registerDevice(deps, { userId: 'u1', deviceId: 'd1', body: body(token(1)) });
    await registerDevice(deps, { userId: 'u1', deviceId: 'd1', body: body(token(2)) });
    expect(repository.ownerOf(token(1))).toBeUndefined();
    expect(repository.ownerOf(token(2))?.deviceId).toBe('d1');
  });

  it('throws a ValidationError naming deviceId when the path id is invalid', async () => {
    const { deps } = setup();
    const attempt = registerDevice(deps, { userId: 'u1', deviceId: 'bad/id', body: body(token(1)) });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ field: 'deviceId' });
  });
});

describe('listDevices and removeDevice', () => {
  it('lists only the caller devices when several users registered', async () => {
    const { deps } = setup();
    await registerDevice(deps, { userId: 'u1', deviceId: 'b', body: body(token(1)) });
    await registerDevice(deps, { userId: 'u1', deviceId: 'a', body: body(token(2)) });
    await registerDevice(deps, { userId: 'u2', deviceId: 'c', body: body(token(3)) });
    expect((await listDevices(deps, { userId: 'u1' })).map((d) => d.deviceId)).toEqual(['a', 'b']);
  });

  it('hides a device when its TTL has passed', async () => {
    const { deps, tick } = setup();
    await registerDevice(deps, { userId: 'u1', deviceId: 'd1', body: body(token(1)) });
    tick(181 * 86_400_000);
    expect(await listDevices(deps, { userId: 'u1' })).toEqual([]);
  });

  it('removes the device and frees its token when deleted twice', async () => {
    const { deps, repository } = setup();
    await registerDevice(deps, { userId: 'u1', deviceId: 'd1', body: body(token(1)) });
    await removeDevice(deps, { userId: 'u1', deviceId: 'd1' });
    await removeDevice(deps, { userId: 'u1', deviceId: 'd1' });
    expect(await repository.get('u1', 'd1')).toBeUndefined();
    expect(repository.ownerOf(token(1))).toBeUndefined();
  });
});

describe('InMemoryDeviceRepository.pruneToken', () => {
  it('prunes only when the device still holds the token and registered it before the cutoff', async () => {
    const { deps, repository } = setup();
    await registerDevice(deps, { userId: 'u1', deviceId: 'd1', body: body(token(1)) });
    const base = { userId: 'u1', deviceId: 'd1', kind: 'voip' as const };
    expect(await repository.pruneToken({ ...base, token: token(2) })).toBe(false);
    expect(
      await repository.pruneToken({
        ...base,
        token: token(1),
        registeredBefore: new Date('2026-11-28T09:00:00Z'),
      }),
    ).toBe(false);
    expect(
      await repository.pruneToken({
        ...base,
        token: token(1),
        registeredBefore: new Date('2026-11-28T11:00:00Z'),
      }),
    ).toBe(true);
    expect((await repository.get('u1', 'd1'))?.voipToken).toBeUndefined();
    expect(repository.ownerOf(token(1))).toBeUndefined();
  });
});

/** Helpers for tests that drive the local console (its API, or the page in a browser). */
import { randomBytes } from 'node:crypto';
import { type LocalSigningKey, mintDevToken } from '../../local/jwt';

/** Resolves with `probe`'s first defined answer, checking every 100 ms until `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface RegisteredDevice {
  readonly userId: string;
  readonly deviceId: string;
  readonly voipToken: string;
  /** The JWT it registered with (must never show in the console). */
  readonly jwt: string;
}

/** Registers an iOS device of the dev credential's bundle through the API, as the app does. */
export async function registerDevice(
  apiUrl: string,
  userId: string,
  deviceId: string,
  key?: LocalSigningKey,
): Promise<RegisteredDevice> {
  const voipToken = randomBytes(32).toString('hex');
  const jwt = await mintDevToken(userId, key ? { key } : {});
  const res = await fetch(`${apiUrl}/v1/devices/${deviceId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
    body: JSON.stringify({ bundleId: 'com.example.voip', environment: 'sandbox', voipToken }),
  });
  if (res.status !== 200) throw new Error(`registration failed: ${res.status} ${await res.text()}`);
  return { userId, deviceId, voipToken, jwt };
}

/** GET `path` of the console as JSON. */
export async function consoleGet<T>(consoleUrl: string, path: string): Promise<T> {
  const res = await fetch(`${consoleUrl}${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** The first server-sent event of `/api/events` (the snapshot), as its raw `data` text. */
export async function readSnapshot(consoleUrl: string): Promise<string> {
  const abort = new AbortController();
  const res = await fetch(`${consoleUrl}/api/events`, { signal: abort.signal });
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (!/event: snapshot\ndata: .*\n\n/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    abort.abort();
  }
  const match = /event: snapshot\ndata: (.*)\n\n/.exec(text);
  if (!match?.[1]) throw new Error(`no snapshot event in ${text.slice(0, 200)}`);
  return match[1];
}

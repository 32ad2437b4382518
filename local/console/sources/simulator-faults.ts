/**
 * Fault injection of a provider simulator through its control API (`GET|POST|DELETE /faults`): the
 * APNs simulator today; the FCM simulator has the same control API, so it is one more instance.
 */
export type FaultSpec = Readonly<Record<string, unknown>>;

export interface FaultControl {
  readonly platform: string;
  list(): Promise<FaultSpec[]>;
  /** Replaces the simulator's fault list. */
  set(faults: readonly FaultSpec[]): Promise<FaultSpec[]>;
  clear(): Promise<void>;
}

/** The simulator refused the faults (its 400 message). */
export class FaultRejectedError extends Error {
  override readonly name = 'FaultRejectedError';
}

async function call(url: string, init?: RequestInit): Promise<{ faults: FaultSpec[] }> {
  const res = await fetch(url, init);
  const body = (await res.json().catch(() => ({}))) as { faults?: FaultSpec[]; error?: string };
  if (res.status === 400) throw new FaultRejectedError(body.error ?? 'the simulator refused the faults');
  if (!res.ok) throw new Error(`simulator answered ${res.status} to ${init?.method ?? 'GET'} ${url}`);
  return { faults: body.faults ?? [] };
}

export function simulatorFaults(platform: string, controlUrl: string): FaultControl {
  const url = `${controlUrl}/faults`;
  return {
    platform,
    list: async () => (await call(url)).faults,
    set: async (faults) =>
      (
        await call(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ faults }),
        })
      ).faults,
    clear: async () => {
      await call(url, { method: 'DELETE' });
    },
  };
}

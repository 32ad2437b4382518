import { devFcmCredential } from '../../local/fcm-simulator/dev-credentials';
import {
  type FcmSimulator,
  type FcmSimulatorOptions,
  startFcmSimulator,
} from '../../local/fcm-simulator/simulator';
import { FcmClient, type FcmClientOptions } from '../../shared/adapters/fcm/fcm-client';
import type { FcmCredential } from '../../shared/domain/fcm-credential';

export interface FcmTestbed {
  readonly simulator: FcmSimulator;
  readonly client: FcmClient;
  /** The dev credential, its token_uri on this simulator. */
  readonly credential: FcmCredential;
}

/** A simulator of its own (no control API) and a client pointed at it, both closed after `use`. */
export async function withFcmSimulator(
  options: FcmSimulatorOptions,
  clientOptions: Omit<FcmClientOptions, 'endpoint' | 'ca'>,
  use: (testbed: FcmTestbed) => Promise<void>,
): Promise<void> {
  const simulator = await startFcmSimulator({ controlPort: false, ...options });
  const client = new FcmClient({ endpoint: simulator.url, ca: simulator.caPem, ...clientOptions });
  try {
    await use({ simulator, client, credential: devFcmCredential(simulator.tokenUrl) });
  } finally {
    await client.close();
    await simulator.close();
  }
}

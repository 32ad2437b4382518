import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { freePort } from './free-port';

export interface LocalSqs {
  readonly endpoint: string;
  readonly server: FauxqsServer;
  stop(): Promise<void>;
}

/** Starts the fauxqs SQS emulator in this process on 127.0.0.1. */
export async function startLocalSqs(options: { port?: number; dataDir?: string } = {}): Promise<LocalSqs> {
  const port = options.port ?? (await freePort());
  const server = await startFauxqs({ port, logger: false, host: 'localhost', dataDir: options.dataDir });
  return { endpoint: `http://127.0.0.1:${server.port}`, server, stop: () => server.stop() };
}

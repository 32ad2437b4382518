/**
 * Runs the FCM simulator as its own process. When ready it prints one line:
 *   FCM_SIMULATOR {"url":"https://127.0.0.1:<port>","tokenUrl":"https://127.0.0.1:<port>/token","controlUrl":"http://127.0.0.1:<port>"}
 * Flags (or env): --port (FCM_SIMULATOR_PORT), --control-port (FCM_SIMULATOR_CONTROL_PORT),
 * --latency-ms (FCM_SIMULATOR_LATENCY_MS), --max-concurrent-streams (FCM_SIMULATOR_MAX_STREAMS),
 * --no-record (FCM_SIMULATOR_RECORD=0). Ports default to any free one. Stops on SIGINT / SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startFcmSimulator } from './simulator';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'control-port': { type: 'string' },
    'latency-ms': { type: 'string' },
    'max-concurrent-streams': { type: 'string' },
    'no-record': { type: 'boolean' },
  },
});

function wholeNumber(flag: string | undefined, envName: string): number | undefined {
  const raw = flag ?? process.env[envName];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${envName} / flag must be a whole number, got ${raw}`);
  return value;
}

const simulator = await startFcmSimulator({
  port: wholeNumber(values.port, 'FCM_SIMULATOR_PORT'),
  controlPort: wholeNumber(values['control-port'], 'FCM_SIMULATOR_CONTROL_PORT'),
  latencyMs: wholeNumber(values['latency-ms'], 'FCM_SIMULATOR_LATENCY_MS'),
  maxConcurrentStreams: wholeNumber(values['max-concurrent-streams'], 'FCM_SIMULATOR_MAX_STREAMS'),
  recordMessages: !(values['no-record'] === true || process.env.FCM_SIMULATOR_RECORD === '0'),
});
const { url, tokenUrl, controlUrl } = simulator;
process.stdout.write(`FCM_SIMULATOR ${JSON.stringify({ url, tokenUrl, controlUrl })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  simulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

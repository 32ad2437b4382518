/**
 * Runs the APNs simulator as its own process. When ready it prints one line:
 *   APNS_SIMULATOR {"url":"https://127.0.0.1:<port>","controlUrl":"http://127.0.0.1:<port>"}
 * Flags (or env): --port (APNS_SIMULATOR_PORT), --control-port (APNS_SIMULATOR_CONTROL_PORT),
 * --latency-ms (APNS_SIMULATOR_LATENCY_MS), --max-concurrent-streams (APNS_SIMULATOR_MAX_STREAMS),
 * --no-record (APNS_SIMULATOR_RECORD=0). Ports default to any free one. Stops on SIGINT / SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startApnsSimulator } from './simulator';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'control-port': { type: 'string' },
    'latency-ms': { type: 'string' },
    'max-concurrent-streams': { type: 'string' },
    'no-record': { type: 'boolean' },
  },
});

function numberOption(flag: string | undefined, envName: string): number | undefined {
  const raw = flag ?? process.env[envName];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${envName} / flag must be a whole number, got ${raw}`);
  return value;
}

const simulator = await startApnsSimulator({
  port: numberOption(values.port, 'APNS_SIMULATOR_PORT'),
  controlPort: numberOption(values['control-port'], 'APNS_SIMULATOR_CONTROL_PORT'),
  latencyMs: numberOption(values['latency-ms'], 'APNS_SIMULATOR_LATENCY_MS'),
  maxConcurrentStreams: numberOption(values['max-concurrent-streams'], 'APNS_SIMULATOR_MAX_STREAMS'),
  recordPushes: !(values['no-record'] === true || process.env.APNS_SIMULATOR_RECORD === '0'),
});
process.stdout.write(
  `APNS_SIMULATOR ${JSON.stringify({ url: simulator.url, controlUrl: simulator.controlUrl })}\n`,
);

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

/**
 * `npm run soak -- [--minutes N]` (default 20): the sender under sustained calls, connection drops every
 * 30 s, 503 bursts and one DynamoDB restart (test/reliability/soak.ts). Prints the figures as JSON and
 * exits 1 when a ring was lost or doubled or the sender's RSS grew more than 10 % after warm-up.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalSqs } from '../local/services/fauxqs';
import { runSoak, soakProblems } from '../test/reliability/soak';
import { mb } from '../test/reliability/soak-figures';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '20' } } });
const minutes = Number(values.minutes);
if (!Number.isFinite(minutes) || minutes < 1) {
  process.stderr.write('usage: npm run soak -- [--minutes N] (N >= 1, default 20)\n');
  process.exit(2);
}

const sqs = await startLocalSqs();
process.env.TEST_SQS_ENDPOINT = sqs.endpoint;
const log = (line: string) => process.stderr.write(`[soak] ${line}\n`);
const logFile = join(tmpdir(), `voip-push-soak-${Date.now()}.log`);
log(`${minutes} min of calls; started ${new Date().toISOString()}; sender output in ${logFile}`);
try {
  const report = await runSoak({ loadMs: minutes * 60_000, progress: log, logFile });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const { memory } = report;
  log(
    `${report.calls} calls, ${report.devices} devices, ${report.pushes.apns + report.pushes.fcm} pushes, ` +
      `${report.rings} rings, ${report.lost} lost, ${report.doubled} doubled; RSS ${mb(memory.warmRss)} → ` +
      `${mb(memory.endRss)} MB (${memory.growthPct.toFixed(1)} %); publish→ring p50 ` +
      `${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms`,
  );
  const problems = soakProblems(report);
  for (const problem of problems) log(`FAIL ${problem}`);
  process.exitCode = problems.length > 0 ? 1 : 0;
} finally {
  await sqs.stop();
}

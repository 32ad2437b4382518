/**
 * `npm run bench` (≈ 7 min) or `npm run bench -- --quick` / `BENCH_QUICK=1` (< 60 s): the benchmark
 * suite. Prints the tables and targets, writes bench/results/<timestamp>.json and .html.
 * `--only transport,fcm-transport,sender,...` runs a subset.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/child';
import { machineInfo } from './lib/machine';
import { type BenchReport, costOf, htmlReport, type SectionReport, textReport } from './lib/report';
import { round } from './lib/stats';
import { SECTIONS } from './sections/index';
import { stopServices } from './sections/services';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, only: { type: 'string' } },
  allowPositionals: true,
});
const quick = values.quick === true || process.env.BENCH_QUICK === '1';
const only = values.only?.split(',').map((s) => s.trim());
const machine = machineInfo();
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const command = `npm run bench${quick ? ' -- --quick' : ''}${only ? ` -- --only ${only.join(',')}` : ''}`;
const statement =
  `All comparisons are within this one run on this machine: ${machine.cores} cores, ${machine.cpuModel}, ` +
  `Node ${machine.node} (${machine.platform}, ${machine.memoryGb} GB). Other work may share the cores, so ` +
  'absolute numbers are noisy; ratios between things measured side by side are what to read.';
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

log(`bench: ${quick ? 'quick' : 'full'} run; ${statement}`);
const loadAtStart = loadavg().map(round);
const sections: SectionReport[] = [];
const t0 = performance.now();
for (const section of SECTIONS) {
  if (only && !only.includes(section.id)) continue;
  log(`bench: ${section.id} ...`);
  const start = performance.now();
  try {
    const report = await section.run(quick, log);
    sections.push({ ...report, seconds: round((performance.now() - start) / 1000) });
  } catch (error) {
    log(
      `bench: ${section.id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    sections.push({
      id: section.id,
      title: `${section.id} (failed)`,
      columns: [],
      rows: [],
      notes: [`failed: ${error instanceof Error ? error.message : String(error)}`],
      targets: [],
      charts: [],
      data: null,
      seconds: round((performance.now() - start) / 1000),
    });
  }
}
await stopServices();
const report: BenchReport = {
  startedAt: startedAt.toISOString(),
  command,
  quick,
  machine,
  statement,
  sections,
  totalSeconds: round((performance.now() - t0) / 1000),
  loadAverage: { start: loadAtStart, end: loadavg().map(round) },
  ...(costOf(sections) ? { cost: costOf(sections) } : {}),
};
const dir = resolve(REPO_ROOT, 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(resolve(dir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(resolve(dir, `${stamp}.html`), htmlReport(report));
writeFileSync(resolve(dir, `${stamp}.md`), `${textReport(report)}\n`);
process.stdout.write(`${textReport(report)}\n`);
process.stdout.write(`\nwrote bench/results/${stamp}.json, .html and .md\n`);
process.exit(0);

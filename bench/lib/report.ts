import type { MachineInfo } from './machine';
import type { TargetCheck } from './targets';

export interface BarChart {
  readonly title: string;
  readonly unit: string;
  readonly bars: readonly { readonly label: string; readonly value: number }[];
}

/** What each section hands the runner: a table to print, notes, targets, charts and its raw data. */
export interface SectionReport {
  readonly id: string;
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly notes: readonly string[];
  readonly targets: readonly TargetCheck[];
  readonly charts: readonly BarChart[];
  readonly data: unknown;
  readonly seconds?: number;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly machine: MachineInfo;
  readonly statement: string;
  readonly sections: readonly SectionReport[];
  readonly totalSeconds: number;
  /** 1/5/15-minute load averages when the run started and ended: how busy the shared machine was. */
  readonly loadAverage?: { readonly start: readonly number[]; readonly end: readonly number[] };
  /**
   * The cost section's figures where scripts look for them: `{ oneToOne, group100, group1000, ... }`, each
   * `{ usdPerMillionPushes, parts, requests, ... }`. Absent when the cost section did not run.
   */
  readonly cost?: unknown;
}

/** The cost section's `data.cost`, lifted to the report's top level. */
export function costOf(sections: readonly SectionReport[]): unknown {
  const data = sections.find((section) => section.id === 'cost')?.data as
    | { cost?: unknown }
    | null
    | undefined;
  return data?.cost;
}

const fmt = (value: string | number): string =>
  typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '-') : value;

/** A plain aligned table (also valid Markdown). */
export function textTable(
  columns: readonly string[],
  rows: readonly (readonly (string | number)[])[],
): string {
  const cells = [columns.map(String), ...rows.map((row) => row.map(fmt))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(cells[0] as string[]), rule, ...cells.slice(1).map(line)].join('\n');
}

export function targetsTable(targets: readonly TargetCheck[]): string {
  return textTable(
    ['section', 'target', 'measured', 'result'],
    targets.map((t) => [t.section, t.target, t.measured, t.pass ? 'PASS' : 'MISS']),
  );
}

/** The whole report as text (stdout) or Markdown (docs). */
export function textReport(report: BenchReport): string {
  const parts = [
    `voip-push benchmark — ${report.startedAt}${report.quick ? ' (quick)' : ''}`,
    report.statement,
    ...(report.loadAverage
      ? [
          `Load average (1/5/15 min) at start ${report.loadAverage.start.join(' / ')}, at end ${report.loadAverage.end.join(' / ')}.`,
        ]
      : []),
    '',
  ];
  for (const section of report.sections) {
    parts.push(`## ${section.title}${section.seconds === undefined ? '' : ` (${section.seconds} s)`}`, '');
    if (section.rows.length > 0) parts.push(textTable(section.columns, section.rows), '');
    for (const note of section.notes) parts.push(`- ${note}`);
    if (section.notes.length > 0) parts.push('');
  }
  const all = report.sections.flatMap((s) => s.targets);
  parts.push('## Targets', '', targetsTable(all), '');
  parts.push(
    `${all.filter((t) => t.pass).length}/${all.length} targets met; total ${report.totalSeconds} s.`,
  );
  return parts.join('\n');
}

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function svgChart(chart: BarChart): string {
  const barHeight = 18;
  const gap = 6;
  const labelWidth = 260;
  const plotWidth = 420;
  const max = Math.max(...chart.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), 1e-9);
  const height = chart.bars.length * (barHeight + gap) + 30;
  const bars = chart.bars
    .map((bar, i) => {
      const y = 24 + i * (barHeight + gap);
      const value = Number.isFinite(bar.value) ? bar.value : 0;
      const width = Math.max(1, (value / max) * plotWidth);
      const hue = bar.label.includes('ours') ? '#2b6cb0' : '#a0aec0';
      return (
        `<text x="${labelWidth - 6}" y="${y + 13}" text-anchor="end" font-size="12">${escapeHtml(bar.label)}</text>` +
        `<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight}" fill="${hue}"/>` +
        `<text x="${labelWidth + width + 4}" y="${y + 13}" font-size="12">${escapeHtml(String(bar.value))} ${escapeHtml(chart.unit)}</text>`
      );
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 120}" height="${height}" role="img">` +
    `<text x="0" y="14" font-size="13" font-weight="bold">${escapeHtml(chart.title)}</text>${bars}</svg>`
  );
}

function htmlTable(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const head = columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(fmt(cell))}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A self-contained HTML page (inline CSS and SVG, no external assets). */
export function htmlReport(report: BenchReport): string {
  const all = report.sections.flatMap((s) => s.targets);
  const sections = report.sections
    .map(
      (s) =>
        `<h2>${escapeHtml(s.title)}</h2>${s.rows.length > 0 ? htmlTable(s.columns, s.rows) : ''}` +
        `<ul>${s.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` +
        s.charts.map((c) => `<div class="chart">${svgChart(c)}</div>`).join(''),
    )
    .join('');
  const targets = htmlTable(
    ['section', 'target', 'measured', 'result'],
    all.map((t) => [t.section, t.target, t.measured, t.pass ? 'PASS' : 'MISS']),
  ).replace(/<td>(PASS|MISS)<\/td>/g, (_, r: string) => `<td class="${r.toLowerCase()}">${r}</td>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>voip-push benchmark ${escapeHtml(report.startedAt)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.pass{color:#276749;font-weight:bold}.miss{color:#c53030;font-weight:bold}.chart{margin:1em 0}</style></head><body>
<h1>voip-push benchmark</h1><p>${escapeHtml(report.startedAt)}${report.quick ? ' (quick)' : ''} — <code>${escapeHtml(report.command)}</code></p>
<p>${escapeHtml(report.statement)}</p><h2>Targets</h2>${targets}${sections}</body></html>\n`;
}

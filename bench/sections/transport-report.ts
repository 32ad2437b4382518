import type { BarChart, SectionReport } from '../lib/report';
import { runTransport } from './transport';

export async function transportSection(quick: boolean, log: (line: string) => void): Promise<SectionReport> {
  const result = await runTransport(quick, log);
  const charts: BarChart[] = [0, 20].map((holdMs) => ({
    title: `push/s, ${holdMs === 0 ? 'instant answers' : 'answers held 20 ms'}`,
    unit: 'push/s',
    bars: result.rows
      .filter((r) => r.holdMs === holdMs && r.concurrency >= 100)
      .map((r) => ({ label: `${r.client} @${r.concurrency}`, value: r.pushPerSec })),
  }));
  charts.push({
    title: 'client CPU per push, instant answers, 500 in flight',
    unit: 'µs',
    bars: result.rows
      .filter((r) => r.holdMs === 0 && r.concurrency === 500)
      .map((r) => ({ label: r.client, value: r.cpuUsPerPush })),
  });
  return {
    id: 'transport',
    title: '1. Transport: VoIP pushes to the APNs simulator (own process)',
    columns: [
      'hold',
      'in flight',
      'client',
      'pushes',
      'push/s',
      'vs bare',
      'p50 ms',
      'p99 ms',
      'CPU µs/push',
      'failed',
    ],
    rows: result.rows.map((r) => [
      `${r.holdMs} ms`,
      r.concurrency,
      r.client,
      r.pushes,
      r.pushPerSec,
      r.vsBare,
      r.p50Ms,
      r.p99Ms,
      r.cpuUsPerPush,
      r.failed,
    ]),
    notes: [
      ...result.notes,
      `Peak RSS of each client process (MB): ${Object.entries(result.peakRssMb)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}.`,
      `Simulator CPU per push (µs, all clients): ${Object.entries(result.simulatorCpuUsPerPush)
        .map(([k, v]) => `hold ${k}: ${v}`)
        .join(', ')}.`,
    ],
    targets: result.targets,
    charts,
    data: result,
  };
}

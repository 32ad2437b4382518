import { describe, expect, it } from '@jest/globals';
import { costOf, htmlReport, type SectionReport, textTable } from '../../bench/lib/report';
import { percentile, round, summarize } from '../../bench/lib/stats';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles when the values are unsorted', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 0.5)).toBe(5);
    expect(percentile(values, 0.99)).toBe(10);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('summarizes count, p50, p99, max and mean', () => {
    const summary = summarize(Float64Array.from({ length: 100 }, (_, i) => i + 1));
    expect(summary).toEqual({ count: 100, p50: 50, p99: 99, max: 100, mean: 50.5 });
  });

  it('rounds to three significant digits below 100 and to whole numbers above', () => {
    expect(round(0.123456)).toBe(0.123);
    expect(round(12.3456)).toBe(12.3);
    expect(round(1234.5)).toBe(1235);
  });
});

describe('bench report', () => {
  it('aligns a Markdown table when cells differ in width', () => {
    const table = textTable(
      ['client', 'push/s'],
      [
        ['ours', 12000],
        ['apns2', 5100],
      ],
    );
    expect(table.split('\n')).toEqual([
      '| client | push/s |',
      '|:-------|-------:|',
      '| ours   |  12000 |',
      '| apns2  |   5100 |',
    ]);
  });

  it('writes a self-contained page with inline SVG when a section has a chart', () => {
    const html = htmlReport({
      startedAt: '2026-11-28T00:00:00.000Z',
      command: 'npm run bench',
      quick: true,
      machine: { cores: 2, cpuModel: 'test cpu', node: 'v22.0.0', platform: 'linux-x64', memoryGb: 4 },
      statement: 'within one run <2 cores>',
      totalSeconds: 1,
      sections: [
        {
          id: 't',
          title: 'Transport',
          columns: ['client', 'push/s'],
          rows: [['ours', 1]],
          notes: [],
          targets: [{ section: 't', target: 'x', measured: '1', pass: false }],
          charts: [{ title: 'push/s', unit: 'push/s', bars: [{ label: 'ours', value: 1 }] }],
          data: null,
        },
      ],
    });
    expect(html).toContain('<svg');
    expect(html).toContain('within one run &lt;2 cores&gt;');
    expect(html).toContain('class="miss"');
    expect(html).not.toMatch(/(src|href)="http/);
  });
});

describe('bench results JSON', () => {
  const section = (id: string, data: unknown): SectionReport => ({
    id,
    title: id,
    columns: [],
    rows: [],
    notes: [],
    targets: [],
    charts: [],
    data,
  });

  it("lifts the cost section's figures to the top level for scripts, and leaves them out when it did not run", () => {
    const cost = { oneToOne: { usdPerMillionPushes: 2.76 }, group100: { usdPerMillionPushes: 1.68 } };
    expect(costOf([section('sender', { x: 1 }), section('cost', { cost })])).toBe(cost);
    expect(costOf([section('sender', { x: 1 })])).toBeUndefined();
    expect(costOf([section('cost', null)])).toBeUndefined();
  });
});

/** Renders each panel of the console from the state the page holds. */
import type {
  ConsoleStatus,
  Distribution,
  DlqMessageView,
  FaultState,
  LatencySummary,
  PhoneRow,
  PushRow,
  UserDevices,
} from '../console-types';
import { byId, fill, h, ms, time } from './dom';

const OK_OUTCOMES = new Set(['delivered', 'duplicate']);

function outcomeCell(row: PushRow): HTMLTableCellElement {
  const outcome = row.outcome ?? 'sent';
  const css = OK_OUTCOMES.has(outcome) ? 'ok' : outcome === 'failed' || outcome === 'pruned' ? 'bad' : 'warn';
  return h(
    'td',
    { class: 'outcome' },
    h('span', { class: css }, outcome),
    row.answer?.reason ? ` ${row.answer.reason}` : '',
  );
}

/** Request details a user opened stay open when the rows are drawn again. */
const openRequests = new Set<string>();

function requestCell(row: PushRow): HTMLTableCellElement {
  const attempts = row.attempts
    .map((a) =>
      `#${a.attempt} ${a.statusCode ?? '-'} ${a.reason ?? ''} ${a.outcome} ${ms(a.providerLatencyMs)}`.trim(),
    )
    .join('\n');
  const details = h(
    'details',
    { open: openRequests.has(row.key) },
    h('summary', {}, row.request ? row.pushType : `${row.pushType} (not accepted)`),
    row.request ? h('pre', { class: 'headers' }, JSON.stringify(row.request.headers, null, 1)) : null,
    row.request ? h('pre', { class: 'payload' }, JSON.stringify(row.request.payload, null, 1)) : null,
    h('pre', { class: 'attempts' }, attempts || 'no attempt logged yet'),
  );
  details.addEventListener('toggle', () => {
    if (details.open) openRequests.add(row.key);
    else openRequests.delete(row.key);
  });
  return h('td', {}, details);
}

export function renderPushes(rows: readonly PushRow[]): void {
  const body = byId('pushes').querySelector('tbody') as HTMLTableSectionElement;
  fill(
    body,
    ...rows.map((row) =>
      h(
        'tr',
        {
          'data-key': row.key,
          'data-call': row.callId,
          'data-outcome': row.outcome ?? '',
          'data-retries': row.retries,
        },
        h('td', {}, time(row.firstAt)),
        h('td', {}, h('code', {}, row.callId)),
        h('td', {}, row.userId ?? '?'),
        h('td', {}, row.deviceId ?? '', h('br'), h('code', { class: 'muted' }, row.tokenHash)),
        h('td', {}, row.platform),
        requestCell(row),
        h(
          'td',
          { class: 'answer' },
          row.answer?.statusCode === undefined ? '' : String(row.answer.statusCode),
        ),
        outcomeCell(row),
        h('td', { class: 'num retries' }, row.retries),
        h('td', { class: 'num' }, ms(row.latency.queueMs)),
        h('td', { class: 'num' }, ms(row.latency.providerMs)),
        h('td', { class: 'num delivery' }, ms(row.latency.deliveryMs)),
        h('td', { class: 'num phone' }, ms(row.latency.phoneMs)),
      ),
    ),
  );
}

export function renderPhones(rows: readonly PhoneRow[]): void {
  const body = byId('phones').querySelector('tbody') as HTMLTableSectionElement;
  fill(
    body,
    ...rows.map((row) =>
      h(
        'tr',
        { 'data-key': row.key, 'data-call': row.callId, 'data-rings': row.rings },
        h('td', {}, time(row.firstPushAt)),
        h('td', {}, h('code', {}, row.callId)),
        h('td', {}, row.userId),
        h('td', {}, row.deviceId),
        h(
          'td',
          {},
          Object.entries(row.pushes)
            .map(([type, count]) => `${type} ×${count}`)
            .join(', '),
        ),
        h(
          'td',
          { class: 'ring' },
          row.rings > 0
            ? h('span', { class: 'ok' }, `rang${row.rings > 1 ? ` ×${row.rings}` : ''} ${time(row.rangAt)}`)
            : row.dropped
              ? h('span', { class: 'warn' }, 'silent (drop rate)')
              : '',
        ),
        h(
          'td',
          { class: 'receipts' },
          row.receipts
            .map(
              (r) =>
                `${r.stage} ${r.statusCode}${r.phoneLatencyMs === undefined ? '' : ` · ${r.phoneLatencyMs} ms`}`,
            )
            .join(', '),
        ),
      ),
    ),
  );
}

function distribution(title: string, dist: Distribution): HTMLElement {
  const highest = Math.max(1, ...dist.buckets.map((bucket) => bucket.count));
  const label = (upTo: number | null, index: number) => {
    const previous = index === 0 ? 0 : dist.buckets[index - 1]?.upToMs;
    return upTo === null ? `>${previous}` : `≤${upTo}`;
  };
  return h(
    'div',
    { class: 'dist', 'data-count': dist.count },
    h('strong', {}, title),
    h(
      'div',
      { class: 'stats' },
      dist.count === 0
        ? 'no samples yet'
        : `n=${dist.count} · p50 ${dist.p50} ms · p95 ${dist.p95} ms · p99 ${dist.p99} ms · max ${dist.max} ms`,
    ),
    h(
      'div',
      { class: 'hist' },
      ...dist.buckets.map((bucket) => {
        const bar = h('div', { class: 'bar', title: `${bucket.count}` });
        // CSSOM, not a style attribute: the page's CSP allows no inline styles.
        bar.style.height = `${Math.round((bucket.count / highest) * 100)}%`;
        return bar;
      }),
    ),
    h(
      'div',
      { class: 'hist-labels' },
      ...dist.buckets.map((bucket, index) => h('span', {}, label(bucket.upToMs, index))),
    ),
  );
}

export function renderLatency(summary: LatencySummary): void {
  fill(
    byId('latency'),
    distribution('Delivery (createdAt → APNs accepted)', summary.delivery),
    distribution('Phone (APNs accepted → receipt)', summary.phone),
  );
}

export function renderDevices(users: readonly UserDevices[]): void {
  fill(
    byId('devices'),
    users.length === 0 ? h('p', { class: 'muted' }, 'no devices registered') : null,
    ...users.map((user) =>
      h(
        'div',
        { class: 'user', 'data-user': user.userId },
        h('h3', {}, user.userId),
        h(
          'ul',
          { class: 'plain' },
          ...user.devices.map((device) =>
            h(
              'li',
              { 'data-device': device.deviceId },
              h('strong', {}, device.deviceId),
              ` · ${device.platform} · ${device.bundleId}${device.environment ? ` (${device.environment})` : ''}`,
              h('br'),
              ...Object.entries(device.tokens).map(([kind, hash]) =>
                h('code', { class: 'muted' }, `${kind} ${hash}  `),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The recipients picker keeps what was ticked across refreshes. */
export function renderRecipients(users: readonly UserDevices[]): void {
  const box = byId('recipients');
  const ticked = new Set(
    [...box.querySelectorAll<HTMLInputElement>('input:checked')].map((input) => input.value),
  );
  fill(
    box,
    h('legend', {}, 'Recipients'),
    users.length === 0 ? h('p', { class: 'muted' }, 'no devices registered yet') : null,
    ...users.map((user) =>
      h(
        'label',
        {},
        h('input', {
          type: 'checkbox',
          name: 'recipient',
          value: user.userId,
          checked: ticked.has(user.userId),
        }),
        `${user.userId} (${user.devices.length})`,
      ),
    ),
  );
}

export function renderDlq(messages: readonly DlqMessageView[], onRedrive: (messageId: string) => void): void {
  byId('dlq-count').textContent = String(messages.length);
  const body = byId('dlq').querySelector('tbody') as HTMLTableSectionElement;
  fill(
    body,
    ...messages.map((message) => {
      const button = h('button', { type: 'button', class: 'redrive' }, 'Redrive');
      button.addEventListener('click', () => onRedrive(message.messageId));
      return h(
        'tr',
        { 'data-message': message.messageId },
        h(
          'td',
          {},
          h('code', {}, message.messageId.slice(0, 8)),
          h('br'),
          h('span', { class: 'muted' }, time(message.sentAt)),
        ),
        h(
          'td',
          { class: 'reason' },
          message.rejectReason
            ? h('span', { class: 'bad' }, message.rejectReason)
            : h('span', { class: 'muted' }, 'redrive policy (receive limit)'),
          message.rejectDetails ? h('br') : null,
          message.rejectDetails ? h('span', { class: 'muted' }, message.rejectDetails) : null,
        ),
        h(
          'td',
          {},
          message.callId ? h('code', {}, message.callId) : '',
          message.type ? ` ${message.type}` : '',
        ),
        h('td', {}, button),
      );
    }),
  );
}

function describeFault(fault: Record<string, unknown>): string {
  const trigger = [
    fault.rate === undefined ? '' : `rate ${fault.rate}`,
    fault.count === undefined ? '' : `×${fault.count}`,
  ]
    .filter(Boolean)
    .join(', ');
  const what =
    fault.kind === 'answer'
      ? `answer ${fault.status} ${fault.reason}`
      : fault.kind === 'latency'
        ? `latency ${fault.ms} ms`
        : String(fault.kind);
  return trigger ? `${what} (${trigger})` : what;
}

export function renderFaults(states: readonly FaultState[]): void {
  const faults = states.flatMap((state) =>
    state.faults.map((fault) => `${state.platform}: ${describeFault(fault)}`),
  );
  fill(
    byId('faults'),
    faults.length === 0 ? h('li', { class: 'muted' }, 'no faults: the simulator answers like APNs') : null,
    ...faults.map((text) => h('li', { class: 'fault' }, text)),
  );
}

export function renderNetwork(status: ConsoleStatus): void {
  fill(
    byId('network'),
    ...status.network.map((entry) =>
      h(
        'span',
        {
          class: entry.listensOn === '127.0.0.1' ? 'net' : 'net exposed',
          title: [entry.endpoint, entry.note].filter(Boolean).join(' — '),
        },
        `${entry.service}: ${entry.listensOn === '127.0.0.1' ? 'loopback only' : `listens on ${entry.listensOn}`}`,
      ),
    ),
  );
}

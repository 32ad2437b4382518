/**
 * The console page: holds the rows the server streams (`/api/events`), renders the panels and sends the
 * forms to the console's API. Plain DOM, no framework.
 */
import type {
  ConsoleError,
  ConsoleEvents,
  ConsoleStatus,
  DlqMessageView,
  FaultState,
  PhoneRow,
  PushRow,
  UserDevices,
} from '../console-types';
import { byId } from './dom';
import {
  renderDevices,
  renderDlq,
  renderFaults,
  renderLatency,
  renderNetwork,
  renderPhones,
  renderPushes,
  renderRecipients,
} from './panels';

const MAX_ROWS = 200;
const pushes = new Map<string, PushRow>();
const phones = new Map<string, PhoneRow>();
const faults = new Map<string, FaultState>();
let renderQueued = false;

/** Newest first: rows are kept in arrival order and re-inserted on update. */
function upsert<T extends { key: string }>(rows: Map<string, T>, row: T): void {
  rows.delete(row.key);
  rows.set(row.key, row);
  while (rows.size > MAX_ROWS) rows.delete(rows.keys().next().value as string);
}

function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderPushes([...pushes.values()].reverse());
    renderPhones([...phones.values()].reverse());
  });
}

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, init);
  const body = (await res.json()) as T | ConsoleError;
  if (!res.ok) {
    const { error } = body as ConsoleError;
    const details = error.details?.map((d) => `${d.field}: ${d.problem}`).join('; ');
    throw new Error(
      `${res.status} ${error.code}: ${error.message}${details && !error.message.includes(details) ? ` (${details})` : ''}`,
    );
  }
  return body as T;
}

const postJson = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function say(id: string, text: string, ok: boolean): void {
  const element = byId(id);
  element.textContent = text;
  element.className = `result ${ok ? 'ok' : 'bad'}`;
}

async function refreshDevices(): Promise<void> {
  const { users } = await api<{ users: UserDevices[] }>('/api/devices');
  renderDevices(users);
  renderRecipients(users);
}

async function refreshDlq(): Promise<void> {
  const { messages } = await api<{ messages: DlqMessageView[] }>('/api/dlq');
  renderDlq(messages, (messageId) => void redrive(messageId));
}

async function redrive(messageId: string): Promise<void> {
  try {
    const result = await api<{ requeuedAs: string }>(
      `/api/dlq/${encodeURIComponent(messageId)}/redrive`,
      postJson({}),
    );
    say(
      'dlq-result',
      `redriven: ${messageId.slice(0, 8)} is back on the call queue as ${result.requeuedAs.slice(0, 8)}`,
      true,
    );
  } catch (error) {
    say('dlq-result', String((error as Error).message), false);
  }
  await refreshDlq();
}

function wireCallForm(): void {
  const form = byId<HTMLFormElement>('call-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const recipients = data.getAll('recipient').map(String);
    const body = {
      type: String(data.get('type')),
      recipients,
      ringTimeoutSeconds: Number(data.get('ringTimeoutSeconds')),
      callerName: String(data.get('callerName') ?? '') || undefined,
    };
    api<{ callId: string }>('/api/calls', postJson(body))
      .then((placed) => say('call-result', `queued ${placed.callId}`, true))
      .catch((error: Error) => say('call-result', error.message, false));
  });
}

function faultFromForm(form: HTMLFormElement): Record<string, unknown> {
  const data = new FormData(form);
  const kind = String(data.get('kind'));
  const rate = Number(data.get('rate'));
  const count = String(data.get('count') ?? '').trim();
  const trigger = { ...(rate < 1 ? { rate } : {}), ...(count === '' ? {} : { count: Number(count) }) };
  if (kind === 'answer') {
    const [status, reason] = String(data.get('status')).split(' ');
    return { kind, status: Number(status), reason, ...trigger };
  }
  if (kind === 'latency') return { kind, ms: Number(data.get('ms')), ...trigger };
  return { kind, ...trigger };
}

function wireFaultForm(): void {
  const form = byId<HTMLFormElement>('fault-form');
  const kind = form.elements.namedItem('kind') as HTMLSelectElement;
  const showFields = () => {
    for (const label of form.querySelectorAll<HTMLElement>('label[data-for]')) {
      label.hidden = label.dataset.for !== kind.value;
    }
  };
  kind.addEventListener('change', showFields);
  showFields();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const current = faults.get('ios')?.faults ?? [];
    api<FaultState>('/api/faults', postJson({ platform: 'ios', faults: [...current, faultFromForm(form)] }))
      .then((state) => {
        faults.set(state.platform, state);
        renderFaults([...faults.values()]);
        say('fault-result', 'fault set', true);
      })
      .catch((error: Error) => say('fault-result', error.message, false));
  });
  byId('clear-faults').addEventListener('click', () => {
    api<FaultState>('/api/faults?platform=ios', { method: 'DELETE' })
      .then((state) => {
        faults.set(state.platform, state);
        renderFaults([...faults.values()]);
        say('fault-result', 'faults cleared', true);
      })
      .catch((error: Error) => say('fault-result', error.message, false));
  });
}

function listen(): void {
  const live = byId('live');
  const source = new EventSource('/api/events');
  const on = <E extends keyof ConsoleEvents>(name: E, handle: (data: ConsoleEvents[E]) => void) =>
    source.addEventListener(name, (event) => handle(JSON.parse((event as MessageEvent<string>).data)));
  source.onopen = () => {
    live.textContent = 'live';
    live.className = 'badge on';
  };
  source.onerror = () => {
    live.textContent = 'disconnected: retrying';
    live.className = 'badge off';
  };
  on('snapshot', (snapshot) => {
    pushes.clear();
    phones.clear();
    for (const row of [...snapshot.pushes].reverse()) upsert(pushes, row);
    for (const row of [...snapshot.phones].reverse()) upsert(phones, row);
    for (const state of snapshot.faults) faults.set(state.platform, state);
    renderLatency(snapshot.latency);
    renderFaults([...faults.values()]);
    scheduleRender();
    void refreshDlq();
  });
  on('push', (row) => {
    upsert(pushes, row);
    scheduleRender();
  });
  on('phone', (row) => {
    upsert(phones, row);
    scheduleRender();
  });
  on('latency', renderLatency);
  on('dlq', () => void refreshDlq());
  on('faults', (state) => {
    faults.set(state.platform, state);
    renderFaults([...faults.values()]);
  });
}

async function start(): Promise<void> {
  wireCallForm();
  wireFaultForm();
  listen();
  renderNetwork(await api<ConsoleStatus>('/api/status'));
  await refreshDevices();
  setInterval(() => void refreshDevices().catch(() => undefined), 3000);
}

void start();

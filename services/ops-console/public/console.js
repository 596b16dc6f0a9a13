// The operators' console page: plain DOM, no framework, no build step.
// Everything from the API is put on the page as text (never as HTML):
// dead letters carry whatever a producer sent.
/* global document, window, fetch, setInterval */
'use strict';

const OVERVIEW_EVERY_MS = 5000;
const byId = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'onclick') node.addEventListener('click', value);
    else if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) node.append(child);
  }
  return node;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    data = null;
  }
  if (!response.ok) throw new Error((data && data.message) || `the console answered HTTP ${response.status}`);
  return { data, response };
}

// ---- feedback -------------------------------------------------------------

function notify(message, isError) {
  const notice = byId('notice');
  notice.textContent = message;
  notice.classList.toggle('error', Boolean(isError));
  notice.hidden = false;
}

function confirmAction(text, okLabel) {
  const dialog = byId('confirm');
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

/** Asks, runs, says what happened, refreshes what it touched. */
async function act(question, okLabel, run, after) {
  if (!(await confirmAction(question, okLabel))) return;
  const buttons = [...document.querySelectorAll('main button')];
  for (const button of buttons) button.disabled = true;
  try {
    notify(await run(), false);
  } catch (error) {
    notify(error.message, true);
  } finally {
    for (const button of buttons) button.disabled = false;
    await Promise.all([refreshOverview(), ...after.map((reload) => reload())]);
  }
}

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// ---- overview -------------------------------------------------------------

function seconds(value) {
  if (value === null || value === undefined) return '–';
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 120) return `${value.toFixed(1)} s`;
  if (value < 7200) return `${Math.round(value / 60)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

const count = (value) => (value === null || value === undefined ? 'unknown' : String(value));

function setFigure(id, text, alert) {
  const node = byId(id);
  node.textContent = text;
  node.classList.toggle('alert', Boolean(alert));
}

let seen = { deadLetters: undefined, deadRows: undefined };

async function refreshOverview() {
  let overview;
  try {
    ({ data: overview } = await api('GET', '/api/overview'));
  } catch (error) {
    byId('refreshed').textContent = `cannot reach the console: ${error.message}`;
    return;
  }
  byId('refreshed').textContent = `updated ${new Date().toLocaleTimeString()}`;

  const problems = byId('problems');
  problems.replaceChildren(...overview.problems.map((problem) => el('li', { text: problem })));
  problems.hidden = overview.problems.length === 0;

  byId('processes').replaceChildren(
    ...overview.processes.map((process) => {
      const state = !process.up ? ['down', 'down'] : process.ready ? ['ready', 'ready'] : ['not-ready', 'not ready'];
      return el('li', { title: process.url }, el('span', { text: process.name }), el('span', { class: `pill ${state[0]}`, text: state[1] }));
    }),
  );

  const { outbox, dead_letters: deadLetters, queue, broker, pipeline } = overview;
  setFigure('outbox-pending', count(outbox.pending), false);
  setFigure('outbox-oldest', seconds(outbox.oldest_pending_age_seconds), outbox.oldest_pending_age_seconds > 30);
  setFigure('outbox-dead', count(outbox.dead), outbox.dead > 0);
  setFigure('queue-depth', count(queue.depth), false);
  setFigure('dlq-depth', count(deadLetters.count), deadLetters.count > 0);
  setFigure('broker-node', broker.connected ? broker.node || 'connected' : 'not connected', !broker.connected);
  setFigure('applied-rate', pipeline.applied_per_second === null ? '–' : `${pipeline.applied_per_second.toFixed(1)} /s`, false);
  setFigure('lag', seconds(pipeline.end_to_end_lag_seconds), pipeline.end_to_end_lag_seconds > 5);

  // The lists are reloaded when their counts move, not on every tick.
  if (seen.deadLetters !== undefined && deadLetters.count !== seen.deadLetters) await loadDeadLetters();
  if (seen.deadRows !== undefined && outbox.dead !== seen.deadRows) await loadDeadRows();
  seen = { deadLetters: deadLetters.count, deadRows: outbox.dead };
}

// ---- dead letters ---------------------------------------------------------

function groupBy(items, key) {
  const groups = new Map();
  for (const item of items) {
    const name = key(item);
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(item);
  }
  return [...groups.entries()];
}

const pretty = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

function replayLetters(selector, what) {
  return act(`Publish ${what} to orders.v1 again? The consumer applies each event once, so this is safe.`, 'Replay', async () => {
    const { data } = await api('POST', '/api/dead-letters/replay', selector);
    return `Replayed ${plural(data.replayed, 'dead letter', 'dead letters')}.`;
  }, [loadDeadLetters]);
}

function purgeLetters(selector, what) {
  return act(`Delete ${what} for good? This cannot be undone.`, 'Purge', async () => {
    const { data } = await api('POST', '/api/dead-letters/purge', selector);
    return `Purged ${plural(data.purged, 'dead letter', 'dead letters')}.`;
  }, [loadDeadLetters]);
}

function deadLetterItem(letter) {
  const id = letter.event_id;
  return el(
    'li',
    { class: 'item', 'data-event-id': id ?? '' },
    el(
      'div',
      { class: 'item-main' },
      el('div', { class: 'item-id', text: id ?? '(no event id)' }),
      el('div', { class: 'item-meta', text: letter.dead_lettered_at ? `dead-lettered ${new Date(letter.dead_lettered_at).toLocaleString()}` : 'dead-lettered by the broker' }),
      el('details', {}, el('summary', { text: 'payload and headers' }), el('pre', { text: pretty(letter.payload) }), el('pre', { text: pretty(letter.headers) })),
    ),
    id === null
      ? el('div', { class: 'item-meta', text: 'no event id: act on its reason group' })
      : el(
          'div',
          { class: 'actions' },
          el('button', { type: 'button', class: 'primary', 'data-action': 'replay-one', onclick: () => replayLetters({ event_ids: [id] }, `dead letter ${id}`), text: 'Replay' }),
          el('button', { type: 'button', class: 'danger', 'data-action': 'purge-one', onclick: () => purgeLetters({ event_ids: [id] }, `dead letter ${id}`), text: 'Purge' }),
        ),
  );
}

async function loadDeadLetters() {
  const target = byId('dead-letter-groups');
  let letters;
  let total;
  try {
    const { data, response } = await api('GET', '/api/dead-letters?limit=500');
    letters = data;
    total = Number(response.headers.get('x-total-count') ?? data.length);
  } catch (error) {
    target.replaceChildren(el('p', { class: 'empty', text: `Dead letters cannot be read: ${error.message}` }));
    byId('dead-letters-total').textContent = '';
    return;
  }
  byId('dead-letters-total').textContent = total > letters.length ? `${letters.length} of ${total} shown` : plural(total, 'letter', 'letters');
  if (letters.length === 0) {
    target.replaceChildren(el('p', { class: 'empty', text: 'No dead letters. Nothing to fix.' }));
    return;
  }
  target.replaceChildren(
    ...groupBy(letters, (letter) => letter.reason).map(([reason, group]) =>
      el(
        'article',
        { class: 'group', 'data-reason': reason },
        el(
          'div',
          { class: 'group-head' },
          el('div', { class: 'group-title' }, reason, el('span', { class: 'count', text: `(${group.length})` })),
          el(
            'div',
            { class: 'actions' },
            el('button', { type: 'button', class: 'primary', onclick: () => replayLetters({ reason }, `every dead letter with reason "${reason}"`), text: `Replay ${group.length}` }),
            el('button', { type: 'button', class: 'danger', onclick: () => purgeLetters({ reason }, `every dead letter with reason "${reason}"`), text: `Purge ${group.length}` }),
          ),
        ),
        el('ul', { class: 'items' }, group.map(deadLetterItem)),
      ),
    ),
  );
}

// ---- dead outbox rows -----------------------------------------------------

function retryRows(selector, what) {
  return act(`Give ${what} a fresh set of publish attempts? The worker publishes them at once.`, 'Retry', async () => {
    const { data } = await api('POST', '/api/outbox/dead/retry', selector);
    return `Retried ${plural(data.retried, 'dead outbox row', 'dead outbox rows')}.`;
  }, [loadDeadRows]);
}

function deadRowItem(row) {
  return el(
    'li',
    { class: 'item', 'data-row-id': row.id },
    el(
      'div',
      { class: 'item-main' },
      el('div', { class: 'item-id', text: `row ${row.id} · order ${row.order_id}` }),
      el('div', { class: 'item-meta', text: `event ${row.event_id} · ${plural(row.attempts, 'attempt', 'attempts')} · dead since ${new Date(row.dead_at).toLocaleString()}` }),
    ),
    el('div', { class: 'actions' }, el('button', { type: 'button', class: 'primary', 'data-action': 'retry-one', onclick: () => retryRows({ ids: [row.id] }, `outbox row ${row.id}`), text: 'Retry' })),
  );
}

async function loadDeadRows() {
  const target = byId('dead-row-groups');
  let rows;
  try {
    ({ data: rows } = await api('GET', '/api/outbox/dead?limit=500'));
  } catch (error) {
    target.replaceChildren(el('p', { class: 'empty', text: `Dead outbox rows cannot be read: ${error.message}` }));
    byId('dead-rows-total').textContent = '';
    return;
  }
  byId('dead-rows-total').textContent = plural(rows.length, 'row', 'rows');
  if (rows.length === 0) {
    target.replaceChildren(el('p', { class: 'empty', text: 'No dead outbox rows. Every event was published or is on its way.' }));
    return;
  }
  target.replaceChildren(
    ...groupBy(rows, (row) => row.last_error ?? '(no error recorded)').map(([error, group]) =>
      el(
        'article',
        { class: 'group' },
        el(
          'div',
          { class: 'group-head' },
          el('div', { class: 'group-title' }, error, el('span', { class: 'count', text: `(${group.length})` })),
          el('div', { class: 'actions' }, el('button', { type: 'button', class: 'primary', onclick: () => retryRows({ ids: group.map((row) => row.id) }, `the ${plural(group.length, 'row', 'rows')} failing with "${error}"`), text: `Retry ${group.length}` })),
        ),
        el('ul', { class: 'items' }, group.map(deadRowItem)),
      ),
    ),
  );
}

// ---- reconciliation -------------------------------------------------------

let mismatches = [];

function repair(selector, what) {
  return act(`Re-publish the stored events of orders never applied, for ${what}?`, 'Repair', async () => {
    const { data } = await api('POST', '/api/reconcile/repair', selector);
    return `Re-published ${plural(data.republished, 'event', 'events')} for ${plural(data.customers.length, 'customer', 'customers')}. Run reconciliation again in a few seconds to confirm.`;
  }, []);
}

async function runReconcile() {
  const target = byId('reconcile-result');
  const button = document.querySelector('[data-action="run-reconcile"]');
  button.disabled = true;
  target.replaceChildren(el('p', { class: 'empty', text: 'Comparing…' }));
  try {
    const { data } = await api('GET', '/api/reconcile');
    mismatches = data.mismatches;
    byId('reconcile').querySelector('[data-action="repair-all"]').hidden = mismatches.length === 0;
    const summary = mismatches.length === 0
      ? el('p', { class: 'reconcile-summary ok', text: `All ${data.customers_checked} customers match.` })
      : el('p', { class: 'reconcile-summary off', text: `${mismatches.length} of ${data.customers_checked} customers do not match.` });
    if (mismatches.length === 0) {
      target.replaceChildren(summary);
      return;
    }
    const head = el('thead', {}, el('tr', {}, ['customer', 'orders stored', 'orders_count', 'applied events', ''].map((name) => el('th', { text: name }))));
    const body = el(
      'tbody',
      {},
      mismatches.map((m) =>
        el(
          'tr',
          { 'data-customer-id': m.customer_id },
          el('td', { 'data-label': 'customer', text: String(m.customer_id) }),
          el('td', { 'data-label': 'orders stored', text: String(m.orders_stored) }),
          el('td', { 'data-label': 'orders_count', text: m.orders_count === null ? 'no such customer' : String(m.orders_count) }),
          el('td', { 'data-label': 'applied events', text: String(m.applied_events) }),
          el('td', {}, el('button', { type: 'button', class: 'primary', onclick: () => repair({ customer_ids: [m.customer_id] }, `customer ${m.customer_id}`), text: 'Repair' })),
        ),
      ),
    );
    target.replaceChildren(summary, el('table', {}, head, body));
  } catch (error) {
    target.replaceChildren(el('p', { class: 'empty', text: `Reconciliation failed: ${error.message}` }));
  } finally {
    button.disabled = false;
  }
}

// ---- wiring ---------------------------------------------------------------

const pageActions = {
  'reload-dead-letters': () => loadDeadLetters(),
  'replay-all': () => replayLetters({ all: true }, 'every dead letter'),
  'purge-all': () => purgeLetters({ all: true }, 'every dead letter'),
  'reload-dead-rows': () => loadDeadRows(),
  'retry-all': () => retryRows({ all: true }, 'every dead outbox row'),
  'run-reconcile': () => runReconcile(),
  'repair-all': () => repair({ all: true }, `all ${plural(mismatches.length, 'mismatched customer', 'mismatched customers')}`),
};

document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  const run = button && pageActions[button.dataset.action];
  if (run) void run();
});

window.addEventListener('DOMContentLoaded', async () => {
  await Promise.all([refreshOverview(), loadDeadLetters(), loadDeadRows()]);
  setInterval(() => void refreshOverview(), OVERVIEW_EVERY_MS);
});

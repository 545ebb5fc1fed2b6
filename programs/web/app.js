// The Regent dashboard: polls the REST API of the jobmanager that served it and, should that one
// die, of every other jobmanager it has learned of (the leaders in the leadership history), so it
// follows the leader through a failover without a reload. Plain JavaScript, no dependencies.
'use strict';

const POLL_MS = 1000;
const TERMINAL = new Set(['FINISHED', 'CANCELED', 'FAILED']);
const ui = {
  origin: location.origin,  // the jobmanager that served this page
  base: location.origin,    // the one we poll now
  bases: [location.origin], // every jobmanager we know of, in the order learned
  features: {},
  selected: location.hash.startsWith('#job/') ? location.hash.slice(5) : null,
  confirming: null,         // job id whose cancel button awaits its second click
  grants: new Map(),        // "epoch/session" → grant, merged from every jobmanager's history
  roles: new Map(),         // base → its /cluster/leader answer, or null when unreachable
};

const $ = (id) => document.getElementById(id);
const text = (id, v) => { const e = $(id); if (e && e.textContent !== String(v)) e.textContent = String(v); };
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));

function learn(url) {
  if (url && !ui.bases.includes(url)) ui.bases.push(url);
}

function fmtTime(ms) { return ms > 0 ? new Date(ms).toLocaleTimeString() : '-'; }
function fmtDuration(ms) {
  if (ms === null || ms === undefined || ms < 0) return '-';
  if (ms < 1000) return Math.round(ms) + ' ms';
  const s = Math.floor(ms / 1000);
  if (s < 60) return (ms / 1000).toFixed(1) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + 'm ' + (s % 60) + 's';
  return Math.floor(m / 60) + 'h ' + (m % 60) + 'm';
}
function fmtBytes(b) {
  if (b === null || b === undefined || b < 0) return '-';
  const u = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return (i ? b.toFixed(1) : b) + ' ' + u[i];
}

async function fetchJson(base, path, options = {}) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), options.timeout || 3000);
  try {
    const r = await fetch(base + path, {method: options.method || 'GET', signal: ctl.signal, cache: 'no-store'});
    const body = await r.text();
    let json = null;
    try { json = body ? JSON.parse(body) : {}; } catch (e) { json = null; }
    return {status: r.status, json};
  } finally {
    clearTimeout(timer);
  }
}

// A request to the jobmanager we follow; when it cannot be reached, the others in turn (the one
// that answers becomes the one we follow).
async function api(path, options) {
  const order = [ui.base, ...ui.bases.filter((b) => b !== ui.base)];
  let lastError = null;
  for (const base of order) {
    try {
      const r = await fetchJson(base, path, options);
      if (base !== ui.base) ui.base = base;
      return r;
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError || new Error('no jobmanager reachable');
}

function renderLeader(answer) {
  const leader = answer && answer.leader;
  const pill = $('leader');
  pill.classList.toggle('none', !leader);
  text('leader-url', leader ? leader['rest-url'] : 'none (election in progress)');
  text('leader-epoch', leader ? leader.epoch : '-');
  text('leader-since', leader ? fmtTime(leader.since) : '-');
  if (leader) learn(leader['rest-url']);
  for (const url of (answer && answer.jobmanagers) || []) learn(url);
  const banner = $('role-banner');
  let message = '';
  banner.classList.remove('lost');
  if (ui.base !== ui.origin) {
    message = 'The jobmanager that served this page (' + ui.origin + ') cannot be reached; following ' + ui.base + '.';
    banner.classList.add('lost');
  } else if (answer && answer.this && answer.this.role === 'standby') {
    message = 'This jobmanager (' + ui.origin + ') is a standby. ' +
        (leader ? 'The leader is ' + leader['rest-url'] + ' (epoch ' + leader.epoch + '); the data below is the leader\'s.'
                : 'No leader is known right now.');
  }
  banner.hidden = message === '';
  if (message) text('role-banner', message);
  text('connection', 'polling ' + ui.base + ' · ' + new Date().toLocaleTimeString());
}

function renderOverview(o) {
  if (!o) return;
  text('ov-taskmanagers', o.taskmanagers);
  text('ov-slots', o['slots-available'] + ' / ' + o['slots-total']);
  text('ov-running', o['jobs-running']);
  text('ov-finished', o['jobs-finished']);
  text('ov-cancelled', o['jobs-cancelled']);
  text('ov-failed', o['jobs-failed']);
}

function renderJobs(list) {
  if (!list) return;
  const rows = (list.jobs || []).slice().sort((a, b) => b['start-time'] - a['start-time']);
  const body = rows.map((j) => {
    const cancellable = ui.features['web-cancel'] && !TERMINAL.has(j.state) && j.state !== 'CANCELLING';
    const confirming = ui.confirming === j.jid;
    const button = cancellable
        ? '<button class="cancel' + (confirming ? ' confirm' : '') + '" data-job-id="' + esc(j.jid) + '">' +
              (confirming ? 'Really cancel?' : 'Cancel') + '</button>'
        : '';
    const tasks = j.tasks || {};
    return '<tr class="clickable" data-job-id="' + esc(j.jid) + '" data-state="' + esc(j.state) + '">' +
        '<td>' + esc(j.name) + '</td><td><code>' + esc(j.jid) + '</code></td>' +
        '<td class="state ' + esc(j.state) + '">' + esc(j.state) + '</td>' +
        '<td>' + (tasks.total ?? '-') + '</td><td>' + fmtTime(j['start-time']) + '</td>' +
        '<td>' + fmtDuration(j.duration) + '</td>' +
        '<td>' + Object.entries(tasks).filter(([k, v]) => k !== 'total' && v > 0).map(([k, v]) => k + ' ' + v).join(', ') + '</td>' +
        '<td>' + button + '</td></tr>';
  }).join('');
  const tbody = $('job-table').tBodies[0];
  if (tbody.innerHTML !== body) tbody.innerHTML = body;
}

function renderTaskmanagers(t) {
  if (!t) return;
  const body = (t.taskmanagers || []).map((tm) =>
      '<tr><td>' + esc(tm.id) + '</td><td>' + esc(tm.path) + '</td><td>' + tm.slotsNumber + '</td><td>' + tm.freeSlots +
      '</td><td>' + fmtDuration(tm.timeSinceLastHeartbeat) + ' ago</td></tr>').join('');
  const tbody = $('tm-table').tBodies[0];
  if (tbody.innerHTML !== body) tbody.innerHTML = body;
}

function renderJobmanagers() {
  const body = ui.bases.map((b) => {
    const a = ui.roles.get(b);
    const role = a === undefined ? '…' : a === null ? 'unreachable' : a.this.role;
    const sees = a && a.leader ? a.leader['rest-url'] + ' (epoch ' + a.leader.epoch + ')' : '-';
    return '<tr data-url="' + esc(b) + '"><td>' + esc(b) + (b === ui.origin ? ' (served this page)' : '') +
        '</td><td class="role">' + esc(role) + '</td><td>' + esc(sees) + '</td></tr>';
  }).join('');
  const tbody = $('jobmanagers').tBodies[0];
  if (tbody.innerHTML !== body) tbody.innerHTML = body;
}

function mergeHistory(answer) {
  for (const g of (answer && answer.grants) || []) {
    learn(g['rest-url']);
    const key = g.epoch + '/' + g['session-id'];
    const known = ui.grants.get(key);
    if (!known) { ui.grants.set(key, Object.assign({}, g)); continue; }
    if (known['takeover-ms'] === null && g['takeover-ms'] !== null) known['takeover-ms'] = g['takeover-ms'];
    if (known['leaderless-ms'] === null && g['leaderless-ms'] !== null) known['leaderless-ms'] = g['leaderless-ms'];
  }
}

function renderHistory() {
  const grants = [...ui.grants.values()].sort((a, b) => a.epoch - b.epoch);
  const body = grants.slice().reverse().map((g) =>
      '<tr data-epoch="' + g.epoch + '"><td>' + g.epoch + '</td><td>' + esc(g['rest-url']) + '</td><td>' +
      new Date(g.since).toLocaleString() + '</td><td>' + fmtDuration(g['takeover-ms']) + '</td><td>' +
      fmtDuration(g['leaderless-ms']) + '</td><td><code>' + esc(String(g['session-id']).slice(0, 8)) + '</code></td></tr>').join('');
  const tbody = $('grants').tBodies[0];
  if (tbody.innerHTML !== body) tbody.innerHTML = body;
  // The timeline: one band per session, from its grant to the next grant (or now).
  const svg = $('timeline');
  const width = svg.clientWidth || 800;
  if (!grants.length) { svg.innerHTML = ''; return; }
  const start = grants[0].since, now = Date.now(), span = Math.max(1, now - start);
  const hosts = [...new Set(grants.map((g) => g['rest-url']))];
  const palette = ['#2f6f4f', '#2556a8', '#8a6d00', '#7a2f8a', '#b35a20', '#207a7a'];
  let out = '';
  grants.forEach((g, i) => {
    const end = i + 1 < grants.length ? grants[i + 1].since : now;
    const x = (g.since - start) / span * width, w = Math.max(2, (end - g.since) / span * width);
    out += '<rect x="' + x.toFixed(1) + '" y="4" width="' + w.toFixed(1) + '" height="24" fill="' +
        palette[hosts.indexOf(g['rest-url']) % palette.length] + '"><title>epoch ' + g.epoch + ' ' + esc(g['rest-url']) +
        '</title></rect><text x="' + (x + 3).toFixed(1) + '" y="42" font-size="11">' + g.epoch + '</text>';
  });
  svg.innerHTML = out;
}

function renderJobDetail(details, checkpoints, exceptions) {
  const section = $('job-detail');
  if (!ui.selected || !details || details.status === 404) { section.hidden = true; return; }
  section.hidden = false;
  const d = details.json || {};
  text('jd-name', d.name || '');
  text('jd-id', ui.selected);
  const st = $('jd-state');
  st.className = 'state ' + (d.state || '');
  text('jd-state', d.state || '?');
  text('jd-restarts', d.numRestarts ?? '-');
  text('jd-parallelism', d.maxParallelism ?? '-');
  const body = (d.vertices || []).map((v) =>
      '<tr><td>' + esc(v.name) + '</td><td class="state ' + esc(v.status) + '">' + esc(v.status) + '</td><td>' +
      v.parallelism + '</td><td>' + Object.entries(v.tasks || {}).filter(([, n]) => n > 0).map(([k, n]) => k + ' ' + n).join(', ') +
      '</td><td>' + fmtDuration(v.duration) + '</td></tr>').join('');
  const tbody = $('jd-vertices').tBodies[0];
  if (tbody.innerHTML !== body) tbody.innerHTML = body;
  const c = checkpoints && checkpoints.json;
  if (c && c.counts) {
    text('jd-checkpoints', c.counts.completed);
    text('jd-failed-checkpoints', c.counts.failed);
    const last = c.latest && c.latest.completed;
    text('jd-last-duration', last ? fmtDuration(last.end_to_end_duration) : '-');
    text('jd-last-size', last ? fmtBytes(last.state_size) : '-');
    text('jd-last-age', last ? fmtDuration(Date.now() - last.latest_ack_timestamp) : '-');
    const restored = c.latest && c.latest.restored;
    text('jd-restored', restored ? 'checkpoint ' + restored.id : '-');
    const hist = (c.history || []).filter((h) => h.status === 'COMPLETED').slice(0, 50).reverse();
    const svg = $('jd-chart');
    const width = svg.clientWidth || 800, height = 80;
    const max = Math.max(1, ...hist.map((h) => h.end_to_end_duration));
    const bw = hist.length ? width / hist.length : width;
    svg.innerHTML = hist.map((h, i) => {
      const bh = Math.max(1, h.end_to_end_duration / max * (height - 14));
      return '<rect x="' + (i * bw + 1).toFixed(1) + '" y="' + (height - bh).toFixed(1) + '" width="' +
          Math.max(1, bw - 2).toFixed(1) + '" height="' + bh.toFixed(1) + '" fill="#2556a8"><title>checkpoint ' + h.id +
          ': ' + h.end_to_end_duration + ' ms</title></rect>';
    }).join('') + '<text x="4" y="12" font-size="11">max ' + fmtDuration(max) + '</text>';
  }
  const e = exceptions && exceptions.json;
  const entries = (e && e.exceptionHistory && e.exceptionHistory.entries) || [];
  text('jd-exceptions', entries.length ? entries.map((x) => new Date(x.timestamp).toLocaleTimeString() + '  ' + x.exceptionName).join('\n') : 'none');
}

async function poll() {
  try {
    const leader = await api('/cluster/leader');
    renderLeader(leader.json);
    const calls = [api('/overview'), api('/jobs/overview'), api('/taskmanagers')];
    if (ui.selected) {
      calls.push(api('/jobs/' + ui.selected), api('/jobs/' + ui.selected + '/checkpoints'),
                 api('/jobs/' + ui.selected + '/exceptions'));
    }
    const side = ui.bases.map((b) => Promise.allSettled([fetchJson(b, '/cluster/leader', {timeout: 1500}),
                                                         fetchJson(b, '/cluster/leader/history', {timeout: 1500})]));
    const [ov, jobs, tms, jd, jc, je] = (await Promise.allSettled(calls)).map((r) => r.status === 'fulfilled' ? r.value : null);
    if (ov && ov.status === 200) renderOverview(ov.json);
    if (jobs && jobs.status === 200) renderJobs(jobs.json);
    if (tms && tms.status === 200) renderTaskmanagers(tms.json);
    if (ui.selected) renderJobDetail(jd, jc, je);
    const bases = ui.bases.slice();
    (await Promise.all(side)).forEach(([role, history], i) => {
      ui.roles.set(bases[i], role.status === 'fulfilled' && role.value.json ? role.value.json : null);
      if (role.status === 'fulfilled' && role.value.json) (role.value.json.jobmanagers || []).forEach(learn);
      if (history.status === 'fulfilled') mergeHistory(history.value.json);
    });
    renderJobmanagers();
    renderHistory();
  } catch (e) {
    text('connection', 'no jobmanager reachable (' + e.message + ') · ' + new Date().toLocaleTimeString());
    $('role-banner').hidden = false;
    $('role-banner').classList.add('lost');
    text('role-banner', 'No jobmanager can be reached; retrying.');
  }
  setTimeout(poll, POLL_MS);
}

document.addEventListener('click', async (ev) => {
  const button = ev.target.closest('button.cancel');
  if (button) {
    ev.stopPropagation();
    const id = button.dataset.jobId;
    if (ui.confirming !== id) {
      ui.confirming = id;
      button.classList.add('confirm');
      button.textContent = 'Really cancel?';
      return;
    }
    ui.confirming = null;
    button.disabled = true;
    button.textContent = 'Cancelling…';
    const r = await api('/jobs/' + id + '?mode=cancel', {method: 'PATCH'}).catch(() => null);
    if (!r || r.status >= 300) button.textContent = 'Cancel failed (' + (r ? r.status : 'unreachable') + ')';
    return;
  }
  const row = ev.target.closest('#job-table tr[data-job-id]');
  if (row) location.hash = '#job/' + row.dataset.jobId;
});

window.addEventListener('hashchange', () => {
  ui.selected = location.hash.startsWith('#job/') ? location.hash.slice(5) : null;
  if (!ui.selected) $('job-detail').hidden = true;
});

fetchJson(location.origin, '/config').then((r) => { ui.features = (r.json && r.json.features) || {}; })
    .catch(() => {}).finally(poll);

// PgMove's panel: plain JavaScript over the public API (the same calls a script would make), with the token
// kept in sessionStorage. No build step.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const state = { token: sessionStorage.getItem('pgmove.token'), cluster: null, latest: null, samples: [], timer: null };

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: { 'Authorization': 'Bearer ' + state.token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 401) { signOut(); throw new Error('The token was refused.'); }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) { const e = new Error(data && data.message || response.statusText); e.status = response.status; throw e; }
    return data;
  }

  function show(id, visible) { $(id).hidden = !visible; }
  function text(id, value) { $(id).textContent = value; }
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ''));
    return node;
  }
  function bytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let i = 0; let v = n;
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? v : v.toFixed(1)) + ' ' + units[i];
  }

  function signOut() {
    sessionStorage.removeItem('pgmove.token');
    state.token = null;
    clearInterval(state.timer);
    route();
  }

  function route() {
    const signedIn = !!state.token;
    show('sign-in', !signedIn);
    show('sign-out', signedIn);
    show('clusters', false);
    show('cluster', false);
    if (!signedIn) return;
    const match = location.pathname.match(/^\/clusters\/([0-9a-fA-F-]{36})$/);
    if (match) openCluster(match[1]); else listClusters();
  }

  async function listClusters() {
    const clusters = await api('GET', '/api/clusters');
    const rows = $('cluster-rows');
    rows.replaceChildren(...clusters.map(c => el('tr', null,
      el('td', null, el('a', { href: '/clusters/' + c.uuid }, c.name)),
      el('td', { className: 'muted' }, c.target),
      el('td', null, c.latest_migration ? c.latest_migration.status : 'none'))));
    show('clusters', true);
  }

  async function openCluster(uuid) {
    const clusters = await api('GET', '/api/clusters');
    const cluster = clusters.find(c => c.uuid.toLowerCase() === uuid.toLowerCase());
    if (!cluster) { show('clusters', true); return; }
    state.cluster = cluster;
    text('cluster-name', cluster.name);
    text('cluster-target', cluster.target + ' · ' + cluster.uuid);
    show('cluster', true);
    await refresh();
    clearInterval(state.timer);
    state.timer = setInterval(refresh, 1500);
  }

  async function refresh() {
    if (!state.cluster) return;
    let migrations;
    try { migrations = await api('GET', '/api/clusters/' + state.cluster.uuid + '/migrations'); } catch { return; }
    const latest = migrations[0] || null;
    if (latest && (!state.latest || state.latest.id !== latest.id)) state.samples = [];
    state.latest = latest;
    renderBanner(latest);
    const active = latest && (latest.status === 'running' || latest.status === 'syncing');
    show('setup', !active);
    renderDatabases(latest);
    if (latest && latest.status === 'syncing') {
      // Lag is measured against the source server's WAL position: the largest database lag is the server's.
      const lagBytes = Math.max(0, ...latest.databases.map(d => d.lag_bytes || 0));
      const lagSeconds = Math.max(0, ...latest.databases.map(d => d.lag_seconds || 0));
      state.samples.push({ at: Date.now(), bytes: lagBytes, seconds: lagSeconds });
      if (state.samples.length > 240) state.samples.shift();
    }
    show('lag', !!latest && state.samples.length > 0);
    drawChart();
  }

  function renderBanner(m) {
    const banner = $('banner');
    if (!m) { banner.hidden = true; return; }
    banner.hidden = false;
    banner.className = 'banner ' + m.status;
    banner.dataset.status = m.status;
    const titles = { running: 'Migration in progress: copying', syncing: 'Migration syncing: the target follows the source', canceled: 'Migration stopped', error: 'Migration failed', done: 'Migration complete' };
    text('banner-title', (titles[m.status] || m.status) + ' (' + m.status + ')');
    const detail = m.status === 'error' ? (m.error + ' ' + (m.fix || '')) : (m.result || ('Started ' + m.created_at + ' from ' + m.source));
    // After a cutover with fallback the old server follows the new one: say so, since the way back depends on it; and say
    // so when it does not (no runner has the stream back, or it failed).
    const f = m.fallback;
    const following = !f ? ''
      : f.active && f.runner_alive ? ' Fallback active since ' + f.since + ': the source follows the target.'
      : f.active ? ' Fallback active since ' + f.since + ', but its stream back is not running: the source does not follow the target.'
      : f.status === 'error' ? ' Fallback error: ' + f.error + ' ' + (f.fix || '') : '';
    text('banner-detail', detail + following);
    show('stop', m.status === 'running' || m.status === 'syncing' || m.status === 'error');
    show('cutover', m.status === 'syncing');
    // After a cutover with fallback, while the old server follows the new one: the way back, or its end.
    const wayBack = !!f && f.active;
    show('fallback', wayBack && !!state.cluster && state.cluster.pgbouncer);
    // A stream back in error may still hold its slots on the new server: finish drops them.
    show('finish', wayBack || (!!f && f.status === 'error'));
    // Offered only where the service's configuration gives the cluster a PgBouncer (the service never takes a command).
    show('switch-choice', m.status === 'syncing' && !!state.cluster && state.cluster.pgbouncer);
    const places = { switching: 'Applications: paused, being moved to the target', target: 'Applications: on the target (the source stays read-only on purpose)', source: 'Applications: back on the source (the switch was rolled back)' };
    text('applications', places[m.applications] || '');
    show('applications', !!places[m.applications]);
  }

  // An action's error stays until the next action: the banner's detail is rewritten at every refresh.
  function actionError(message) {
    text('action-error', message || '');
    show('action-error', !!message);
  }

  function renderDatabases(m) {
    show('progress', !!m && m.databases.length > 0);
    if (!m) return;
    $('database-rows').replaceChildren(...m.databases.map(d => {
      const pct = d.copy_done ? 100 : (d.bytes_total > 0 ? Math.min(100, Math.round(100 * d.bytes_done / d.bytes_total)) : 0);
      const bar = el('div', { className: 'bar' }, el('span'));
      bar.firstChild.style.width = pct + '%';
      return el('tr', { className: 'db' },
        el('td', null, d.name),
        el('td', null, d.phase, d.last_error ? el('div', { className: 'error' }, d.last_error) : ''),
        el('td', null, d.tables_done + '/' + d.tables_total + ' tables · ' + bytes(d.bytes_done) + ' of ' + bytes(d.bytes_total), bar),
        el('td', null, String(d.rows_done)),
        el('td', null, d.lag_bytes === null || d.lag_bytes === undefined ? '–' : bytes(d.lag_bytes) + ' · ' + (d.lag_seconds || 0).toFixed(1) + ' s'),
        el('td', null, bytes(d.retained_wal_bytes)));
    }));
  }

  function drawChart() {
    const svg = $('lag-chart');
    const samples = state.samples;
    svg.dataset.points = String(samples.length);
    const W = 720, H = 220, left = 64, right = 10, top = 12, bottom = 24;
    const max = Math.max(1024, ...samples.map(s => s.bytes)) * 1.15;
    const span = Math.max(30000, samples.length ? samples[samples.length - 1].at - samples[0].at : 0);
    const start = samples.length ? samples[samples.length - 1].at - span : 0;
    const x = (t) => left + (W - left - right) * (t - start) / span;
    const y = (b) => top + (H - top - bottom) * (1 - b / max);
    const ns = 'http://www.w3.org/2000/svg';
    const parts = [];
    for (let i = 0; i <= 4; i++) {
      const value = max * i / 4;
      const line = document.createElementNS(ns, 'line');
      Object.entries({ x1: left, x2: W - right, y1: y(value), y2: y(value), class: 'axis' }).forEach(([k, v]) => line.setAttribute(k, v));
      const label = document.createElementNS(ns, 'text');
      label.setAttribute('x', 4); label.setAttribute('y', y(value) + 4);
      label.textContent = bytes(Math.round(value));
      parts.push(line, label);
    }
    const axis = document.createElementNS(ns, 'text');
    axis.setAttribute('x', W - right - 120); axis.setAttribute('y', H - 6);
    axis.textContent = 'last ' + Math.round(span / 1000) + ' s';
    parts.push(axis);
    if (samples.length > 0) {
      const points = samples.map(s => x(s.at).toFixed(1) + ',' + y(s.bytes).toFixed(1));
      const area = document.createElementNS(ns, 'polygon');
      area.setAttribute('points', [x(samples[0].at).toFixed(1) + ',' + y(0), ...points, x(samples[samples.length - 1].at).toFixed(1) + ',' + y(0)].join(' '));
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('points', points.join(' '));
      parts.push(area, line);
      const last = samples[samples.length - 1];
      text('lag-now', 'Now: ' + bytes(last.bytes) + ' behind, ' + last.seconds.toFixed(1) + ' s');
    }
    svg.replaceChildren(...parts);
  }

  function sourceBody() {
    const type = document.querySelector('input[name="conn-type"]:checked').value;
    const exclude = $('exclude').value.split(',').map(s => s.trim()).filter(Boolean);
    let source; let disableSsl = $('disable-ssl').checked;
    if (type === 'uri') {
      const raw = $('src-uri').value.trim();
      if (!/^postgres(ql)?:\/\//.test(raw)) throw new Error('The connection string must start with postgres://');
      const url = new URL(raw.replace(/^postgres(ql)?:/, 'http:'));
      source = {
        host: decodeURIComponent(url.hostname.replace(/^\[|\]$/g, '')),
        port: url.port ? Number(url.port) : 5432,
        dbname: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
        username: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      };
      if (url.searchParams.get('sslmode') === 'disable') disableSsl = true;
    } else {
      source = { host: $('src-host').value.trim(), port: Number($('src-port').value), dbname: $('src-db').value.trim(), username: $('src-user').value.trim(), password: $('src-password').value };
    }
    return { source, disable_ssl: disableSsl, ignore_dbs: exclude };
  }

  function setupError(message) { text('setup-error', message || ''); show('setup-error', !!message); }

  async function runChecks() {
    setupError(null);
    $('start').disabled = true;
    const box = $('checks');
    box.hidden = false;
    box.replaceChildren(el('p', { className: 'muted' }, 'Checking the source and this cluster…'));
    let report;
    try { report = await api('POST', '/api/clusters/' + state.cluster.uuid + '/check', sourceBody()); } catch (e) { box.hidden = true; setupError(e.message); return; }
    const notable = report.checks.filter(c => c.status === 'fail' || c.status === 'warn');
    const summary = el('p', { id: 'checks-summary', className: report.passed ? 'check-pass' : 'check-fail' },
      report.passed ? 'All checks passed' + (notable.length ? ' (' + notable.length + ' warnings)' : '') + '. Ready to start.' : 'Some checks failed. Fix them, then run the checks again.');
    const rows = notable.map(c => el('tr', { className: 'check ' + c.status },
      el('td', { className: 'check-' + c.status }, c.status), el('td', null, c.id), el('td', null, c.message, el('div', { className: 'fix' }, c.fix ? 'Fix: ' + c.fix : ''))));
    box.replaceChildren(summary, ...(rows.length ? [el('table', { className: 'grid' }, el('tbody', null, ...rows))] : []));
    $('start').disabled = !report.passed;
  }

  async function startMigration(event) {
    event.preventDefault();
    setupError(null);
    try {
      await api('PUT', '/v2/databases/' + state.cluster.uuid + '/online-migration', sourceBody());
      $('checks').hidden = true;
      $('start').disabled = true;
      state.samples = [];
      await refresh();
    } catch (e) { setupError(e.message); }
  }

  async function stopMigration() {
    if (!state.latest || !confirm('Stop the migration? Replication ends; the data already copied stays on the target.')) return;
    $('stop').disabled = true;
    text('banner-detail', 'Stopping…');
    actionError(null);
    try { await api('DELETE', '/v2/databases/' + state.cluster.uuid + '/online-migration/' + state.latest.id); } catch (e) { actionError(e.message); }
    $('stop').disabled = false;
    await refresh();
  }

  async function cutover() {
    const moveApplications = !$('switch-choice').hidden && $('switch-pgbouncer').checked;
    const question = moveApplications
      ? 'Cut over now and move the applications? PgBouncer pauses them, PgMove waits for zero lag, copies sequences, points PgBouncer at the target and resumes them.'
      : 'Cut over now? PgMove waits for zero lag, copies sequences, verifies and removes its slots.';
    if (!state.latest || !confirm(question)) return;
    actionError(null);
    try { await api('POST', '/api/migrations/' + state.latest.id + '/cutover', moveApplications ? { switch: 'pgbouncer' } : undefined); } catch (e) { actionError(e.message); }
    await refresh();
  }

  async function fallBack() {
    if (!state.latest || !confirm('Fall back now? PgBouncer pauses the applications, PgMove waits until the old server applied every write of the new one, then points PgBouncer back at the old server and resumes them. The migration is syncing again.')) return;
    actionError(null);
    try { await api('POST', '/api/migrations/' + state.latest.id + '/fallback', { switch: 'pgbouncer' }); } catch (e) { actionError(e.message); }
    await refresh();
  }

  async function finishFallback() {
    if (!state.latest || !confirm('Finish the way back? The old server stops following the new one; the slots and publication of the fallback on the new server are dropped.')) return;
    $('finish').disabled = true;
    actionError(null);
    try { await api('POST', '/api/migrations/' + state.latest.id + '/finish'); } catch (e) { actionError(e.message); }
    $('finish').disabled = false;
    await refresh();
  }

  $('token-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    state.token = $('token').value.trim();
    try {
      await api('GET', '/api/clusters');
      sessionStorage.setItem('pgmove.token', state.token);
      show('token-error', false);
      route();
    } catch (e) { state.token = null; text('token-error', e.message); show('token-error', true); show('sign-in', true); }
  });
  $('sign-out').addEventListener('click', signOut);
  document.querySelectorAll('input[name="conn-type"]').forEach(r => r.addEventListener('change', () => {
    const type = document.querySelector('input[name="conn-type"]:checked').value;
    show('fields-host', type !== 'uri');
    show('fields-uri', type === 'uri');
    show('private-note', type === 'private');
    $('start').disabled = true;
  }));
  $('setup-form').addEventListener('input', () => { $('start').disabled = true; });
  $('check').addEventListener('click', runChecks);
  $('setup-form').addEventListener('submit', startMigration);
  $('stop').addEventListener('click', stopMigration);
  $('cutover').addEventListener('click', cutover);
  $('fallback').addEventListener('click', fallBack);
  $('finish').addEventListener('click', finishFallback);
  route();
})();

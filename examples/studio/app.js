// sg3-studio's page: controls generated from /api/properties (the
// element's GParamSpecs), state over the WebSocket /ws, the preview as
// MJPEG in an <img>. No build step, no libraries.
'use strict';

const $ = (id) => document.getElementById(id);
const controls = new Map(); // name -> {spec, set(value), busy()}
let ws = null;
let state = {};
let info = {};

function log(level, text) {
  const li = document.createElement('li');
  li.className = level;
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  const ol = $('log');
  ol.prepend(li);
  while (ol.children.length > 50) ol.lastChild.remove();
}

// ---- talking to sg3-studio ----

const pendingSends = new Map();
let sendScheduled = false;
// At most one message per property per animation frame while dragging.
function send(name, value) {
  pendingSends.set(name, value);
  if (sendScheduled) return;
  sendScheduled = true;
  requestAnimationFrame(() => {
    sendScheduled = false;
    for (const [n, v] of pendingSends) {
      if (ws && ws.readyState === WebSocket.OPEN)
        ws.send(JSON.stringify({ type: 'set', name: n, value: v }));
      else
        postJSON('/api/set', { name: n, value: v });
    }
    pendingSends.clear();
  });
}

async function postJSON(url, body) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  let j = {};
  try { j = await r.json(); } catch (e) { /* not JSON */ }
  if (!r.ok) throw new Error(j.error || `HTTP ${r.status}`);
  return j;
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  ws = new WebSocket(`${proto}://${location.host}/ws`);
  ws.onopen = () => { $('conn').textContent = 'live'; $('conn').className = 'conn on'; };
  ws.onclose = () => {
    $('conn').textContent = 'offline'; $('conn').className = 'conn off';
    setTimeout(connect, 1000);
  };
  ws.onmessage = (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch (e) { return; }
    if (m.type === 'state') applyState(m.values, m.full);
    else if (m.type === 'info') applyInfo(m.info);
    else if (m.type === 'stats') applyStats(m.stats);
    else if (m.type === 'log') log(m.level, m.message);
    else if (m.type === 'error') log('error', (m.name ? m.name + ': ' : '') + m.message);
  };
}

function applyState(values, full) {
  if (full) state = {};
  Object.assign(state, values);
  for (const [name, v] of Object.entries(values)) {
    const c = controls.get(name);
    if (c && !c.busy()) c.set(v);
  }
  if ('model' in values) $('model').value = values.model;
  document.body.dataset.stateVersion = String((+document.body.dataset.stateVersion || 0) + 1);
}

function applyInfo(i) {
  info = i;
  const t = $('info');
  t.replaceChildren();
  const rows = [
    ['model', i.model], ['family', i.family], ['config', i.config],
    ['resolution', i.resolution ? `${i.resolution}×${i.resolution}` : undefined],
    ['channels', i.channels], ['classes', i.classes], ['ws', i['num-ws'] !== undefined ? `${i['num-ws']} × ${i['w-dim']}` : undefined],
    ['stream', i.width ? `${i.width}×${i.height} ${i.format} @ ${i.framerate}` : undefined],
  ];
  for (const [k, v] of rows) {
    if (v === undefined || v === null || v === '') continue;
    const tr = document.createElement('tr');
    const th = document.createElement('th'); th.textContent = k;
    const td = document.createElement('td'); td.textContent = String(v);
    tr.append(th, td); t.append(tr);
  }
  const sw = $('save-w');
  sw.disabled = !i.save_w;
  sw.title = i.save_w ? 'Save the w of the current frame as .npy [1, num_ws, w_dim]'
    : `${i.element} cannot give the w of a frame (it needs the properties last-ws, model-num-ws, model-w-dim)`;
  // A conditional model's class slider spans its classes.
  const cls = controls.get('class');
  if (cls && cls.setSoftRange && i.classes > 0) cls.setSoftRange(0, i.classes - 1);
}

function applyStats(s) {
  $('fps').textContent = s.fps.toFixed(1);
  $('render').textContent = s.render_ms !== null ? `${s.render_ms.toFixed(1)} ms`
    : `– (CPU ${s.cpu_ms_per_frame.toFixed(1)} ms/frame)`;
  $('cpu').textContent = `${s.cpu_percent.toFixed(0)}%`;
  $('clients').textContent = s.preview_clients;
}

// ---- controls from GParamSpecs ----

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

const NUMERIC = new Set(['int', 'uint', 'int64', 'uint64', 'double', 'float']);

function numericControl(p, row) {
  const integer = !['double', 'float'].includes(p.type);
  let lo = p.soft_min ?? p.min, hi = p.soft_max ?? p.max;
  const slider = (hi - lo) <= 1e7;
  const num = el('input', { type: 'number', id: `ctl-${p.name}`, min: p.min, max: p.max,
    step: integer ? 1 : 'any', title: p.blurb });
  let range = null, dragging = false;
  // a round step: 0.1 for rotate's 360, 0.001 for translate's 2
  const step = () => integer ? 1 : 10 ** Math.floor(Math.log10((hi - lo) / 1000));
  // always made, shown only with a range a slider can span
  range = el('input', { type: 'range', id: `ctl-${p.name}-range`, min: lo, max: hi,
    step: step(), title: p.blurb });
  range.hidden = !slider;
  {
    range.addEventListener('pointerdown', () => { dragging = true; });
    window.addEventListener('pointerup', () => { dragging = false; });
    range.addEventListener('input', () => {
      const v = integer ? Math.round(+range.value) : +range.value;
      num.value = v; send(p.name, v);
    });
  }
  const commit = () => {
    if (num.value === '' || !isFinite(+num.value)) return;
    const v = integer ? Math.round(+num.value) : +num.value;
    range.value = v;
    send(p.name, v);
  };
  num.addEventListener('change', commit);
  num.addEventListener('keydown', (e) => { if (e.key === 'Enter') commit(); });
  const reset = el('button', { className: 'reset', textContent: '↺',
    title: `default: ${p.default}` });
  reset.addEventListener('click', () => send(p.name, p.default));
  const box = el('div', { className: 'inputs' });
  box.append(range);
  if (integer && !slider) {
    const dec = el('button', { textContent: '−', title: 'previous' });
    const inc = el('button', { textContent: '+', title: 'next' });
    dec.addEventListener('click', () => send(p.name, Math.max(p.min, (+num.value || 0) - 1)));
    inc.addEventListener('click', () => send(p.name, Math.min(p.max, (+num.value || 0) + 1)));
    box.append(dec, num, inc);
  } else {
    box.append(num);
  }
  box.append(reset);
  row.append(box);
  return {
    set(v) {
      num.value = v;
      range.value = v;
    },
    busy: () => dragging || document.activeElement === num,
    setSoftRange(a, b) {
      lo = Math.max(p.min, a); hi = Math.min(p.max, b);
      range.min = lo; range.max = hi; range.step = step();
      range.hidden = false;
      range.value = num.value;
    },
  };
}

function makeControl(p) {
  const row = el('div', { className: 'control', dataset: { name: p.name, type: p.type } });
  const label = el('label', { htmlFor: `ctl-${p.name}`, textContent: p.nick || p.name, title: `${p.name}: ${p.blurb}` });
  row.append(label);
  const settable = p.flags.settable;
  let c;
  if (!settable) {
    const out = el('output', { id: `ctl-${p.name}`, title: p.blurb });
    row.append(out); row.classList.add('readonly');
    c = { set(v) { out.textContent = Array.isArray(v) ? v.map((x) => +x.toFixed(4)).join(', ') : String(v); }, busy: () => false };
  } else if (NUMERIC.has(p.type)) {
    c = numericControl(p, row);
  } else if (p.type === 'boolean') {
    const cb = el('input', { type: 'checkbox', id: `ctl-${p.name}`, title: p.blurb });
    cb.addEventListener('change', () => send(p.name, cb.checked));
    row.append(cb);
    c = { set(v) { cb.checked = !!v; }, busy: () => false };
  } else if (p.type === 'enum') {
    const s = el('select', { id: `ctl-${p.name}`, title: p.blurb });
    for (const v of p.values) s.append(el('option', { value: v.nick, textContent: v.nick, title: v.name }));
    s.addEventListener('change', () => send(p.name, s.value));
    row.append(s);
    c = { set(v) { s.value = v; }, busy: () => false };
  } else if (p.type === 'array') {
    // e.g. transform: the numbers side by side
    const box = el('div', { className: 'inputs array', id: `ctl-${p.name}` });
    row.append(box);
    let inputs = [];
    const commit = () => send(p.name, inputs.map((i) => +i.value));
    c = {
      set(v) {
        if (!Array.isArray(v)) return;
        if (inputs.length !== v.length) {
          inputs = v.map(() => el('input', { type: 'number', step: 'any', title: p.blurb }));
          inputs.forEach((i) => i.addEventListener('change', commit));
          box.replaceChildren(...inputs);
        }
        v.forEach((x, k) => { inputs[k].value = x; });
      },
      busy: () => inputs.includes(document.activeElement),
    };
  } else if (p.type === 'flags' || p.type === 'string') {
    const t = el('input', { type: 'text', id: `ctl-${p.name}`, title: p.blurb });
    t.addEventListener('change', () => send(p.name, t.value));
    row.append(t);
    c = { set(v) { t.value = v; }, busy: () => document.activeElement === t };
  } else {
    return null;
  }
  c.spec = p;
  controls.set(p.name, c);
  return row;
}

async function buildControls() {
  const r = await fetch('/api/properties');
  const j = await r.json();
  const box = $('controls');
  box.replaceChildren();
  const ro = el('details', { className: 'readonly-group' }, el('summary', { textContent: 'read-only' }));
  for (const p of j.properties) {
    if (p.name === 'model') continue; // the picker
    const row = makeControl(p);
    if (!row) continue;
    if (p.flags.settable) box.append(row); else ro.append(row);
  }
  if (ro.children.length > 1) box.append(ro);
}

async function loadModels() {
  const j = await (await fetch('/api/models')).json();
  const s = $('model');
  s.replaceChildren(el('option', { value: '', textContent: '(built in)' }));
  for (const m of j.models) s.append(el('option', { value: m, textContent: m }));
  s.value = j.current;
  s.disabled = !j.dir;
  if (!j.dir) s.title = 'start sg3-studio with --models DIR to pick models here';
}

$('model').addEventListener('change', async () => {
  $('model-status').textContent = 'loading…';
  try {
    await postJSON('/api/model', { name: $('model').value });
  } catch (e) { log('error', e.message); }
  $('model-status').textContent = '';
});

async function save(kind) {
  try {
    const j = await postJSON(`/api/save/${kind}`, {});
    const a = el('a', { href: j.url, textContent: j.file, download: j.file });
    $('saved').replaceChildren('saved ', a);
    log('info', `saved ${j.file}`);
  } catch (e) { log('error', `save ${kind}: ${e.message}`); }
}
$('save-png').addEventListener('click', () => save('png'));
$('save-w').addEventListener('click', () => save('w'));

$('pixelated').addEventListener('change', () => {
  $('preview').classList.toggle('pixelated', $('pixelated').checked);
});

function startPreview() {
  const img = $('preview');
  img.onerror = () => setTimeout(() => { img.src = `/stream.mjpg?t=${Date.now()}`; }, 1000);
  img.src = '/stream.mjpg';
}

(async () => {
  await buildControls();
  await loadModels();
  applyState(await (await fetch('/api/state')).json(), true);
  applyInfo(await (await fetch('/api/info')).json());
  startPreview();
  connect();
  document.body.dataset.ready = '1';
})().catch((e) => log('error', e.message));

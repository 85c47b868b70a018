// sg3-studio end to end in a real browser: headless Debian Chromium driven
// by playwright-core. Loads the page, sees the preview update, moves the
// seed, class and rotate controls, checks the element's properties and that
// the next frame is exactly what sg3-gen renders for those settings (and
// the MJPEG preview loosely), two pages and OSC staying in sync, the model
// picker, save PNG / save w, the preview's latency, and takes the README's
// screenshot.
//
//   node e2e.mjs BUILD_DIR SOURCE_DIR
//   SG3_UPDATE_SCREENSHOT=1 ... also copies the screenshot to
//   docs/images/sg3-studio.png
import fs from 'node:fs';
import path from 'node:path';
import {
  buildDir, sourceDir, check, note, finish, fatal, watchdog, startStudio, getJSON,
  sleep, tmpDir, sg3gen, pngRaw, run, median, percentile, request, postJSON,
} from './lib.mjs';

watchdog(240);
const CHROMIUM = process.env.SG3_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM))
  fatal(`${CHROMIUM} is missing: install Debian's chromium (tools/install-deps.sh)`);
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  fatal('playwright-core is missing: run tests/studio/npm-ci.sh (tests/run.sh does)');
}

const tmp = tmpDir();
const saveDir = path.join(tmp, 'saves');
const st = startStudio(['--models', path.join(sourceDir, 'models'), '--save-dir', saveDir,
  '--set', 'class=2', '--set', 'seed=1']);
await st.ready;
const base = st.base;
check(true, `sg3-studio serves ${base}`);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  timeout: 60000,
});
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
const pageErrors = [];
async function openPage() {
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  await page.goto(base);
  await page.waitForSelector('body[data-ready="1"]');
  await page.waitForFunction(() => document.querySelector('#conn').textContent === 'live');
  await page.waitForFunction(() => document.querySelector('#preview').naturalWidth > 0);
  return page;
}

// The preview <img> averaged down to 32x32 gray, in the page.
const previewGray = (page) => page.evaluate(() => {
  const c = document.createElement('canvas'); c.width = c.height = 32;
  const g = c.getContext('2d'); g.imageSmoothingQuality = 'high';
  g.drawImage(document.querySelector('#preview'), 0, 0, 32, 32);
  return Array.from(g.getImageData(0, 0, 32, 32).data.filter((_, i) => i % 4 === 0));
});
const pngGray = (page, file) => page.evaluate(async (b64) => {
  const img = new Image(); img.src = `data:image/png;base64,${b64}`; await img.decode();
  const c = document.createElement('canvas'); c.width = c.height = 32;
  const g = c.getContext('2d'); g.drawImage(img, 0, 0, 32, 32);
  return Array.from(g.getImageData(0, 0, 32, 32).data.filter((_, i) => i % 4 === 0));
}, fs.readFileSync(file).toString('base64'));
const mae = (a, b) => a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / a.length;

const state = () => getJSON(base, '/api/state');
async function until(what, fn, secs = 10) {
  const end = Date.now() + secs * 1000;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
// Polls /api/frame.png until its pixels equal REF's (frames after a change).
async function frameEquals(ref, secs = 10) {
  const want = await pngRaw(ref);
  const end = Date.now() + secs * 1000;
  let n = 0;
  while (Date.now() < end) {
    const r = await request(base, '/api/frame.png');
    n++;
    if (r.status === 200) {
      const f = path.join(tmp, 'frame.png');
      fs.writeFileSync(f, r.body);
      if ((await pngRaw(f)).equals(want)) return n;
    }
    await sleep(50);
  }
  return 0;
}

const a = await openPage();
check(true, 'page A loaded, WebSocket live, preview playing');
const nControls = await a.locator('#controls .control').count();
const props = await getJSON(base, '/api/properties');
const settable = props.properties.filter((p) => p.flags.settable && p.name !== 'model');
check(await a.locator('#controls > .control').count() === settable.length,
  `a control for each of the ${settable.length} settable properties (${nControls} rows in all)`);
check(await a.locator('#ctl-seed').getAttribute('title') !== null &&
  (await a.locator('label[for="ctl-seed"]').getAttribute('title')).includes('Random seed'),
  'blurbs are the tooltips');
check(await a.locator('#ctl-animation option').count() >= 2, 'an enum is a dropdown');
check(await a.locator('#ctl-rotate-range').getAttribute('min') === '-180', 'rotate slider spans -180..180');
await a.waitForFunction(() => +document.querySelector('#fps').textContent > 0, null, { timeout: 5000 })
  .then(() => check(true, 'the page shows the frame rate'), () => check(false, 'the page shows the frame rate'));

// ---- seed, class, rotate from the page -> element -> frame ----
const before = await previewGray(a);
await a.fill('#ctl-seed', '5');
await a.press('#ctl-seed', 'Enter');
await a.fill('#ctl-class', '7');
await a.press('#ctl-class', 'Enter');
await a.locator('#ctl-rotate-range').fill('30');
const s1 = await until('seed 5, class 7, rotate 30 in the element', async () => {
  const s = await state();
  return s.seed === 5 && s.class === 7 && Math.abs(s.rotate - 30) < 1e-9 ? s : null;
});
check(true, `the element has seed=${s1.seed} class=${s1.class} rotate=${s1.rotate} (set from the page's controls)`);
const ref1 = await sg3gen(path.join(tmp, 'gen1'), { seed: 5, klass: 7, psi: s1.psi, rotate: s1.rotate });
const polls = await frameEquals(ref1);
check(polls > 0, `the next frame equals sg3-gen --seeds 5 --class 7 --rotate ${s1.rotate} pixel for pixel (after ${polls} polls)`);
await sleep(400);
const after = await previewGray(a);
const refGray = await pngGray(a, ref1);
const dBefore = mae(before, refGray), dAfter = mae(after, refGray);
note(`MJPEG preview vs sg3-gen (32x32 mean abs. difference): before ${dBefore.toFixed(1)}, after ${dAfter.toFixed(1)}`);
check(mae(before, after) > 2, 'the preview updated after the change');
check(dAfter < 10 && dAfter < dBefore, 'the MJPEG preview shows sg3-gen\'s picture (loosely: JPEG, scaled)');

// ---- two pages in sync ----
const b = await openPage();
check(await b.inputValue('#ctl-seed') === '5', 'page B opens with the current state');
await a.locator('#ctl-psi-range').fill('0.7');
await b.waitForFunction(() => document.querySelector('#ctl-psi').value === '0.7', null, { timeout: 5000 })
  .then(() => check(true, 'psi moved on page A shows on page B'), () => check(false, 'psi moved on page A shows on page B'));
await b.fill('#ctl-translate-x', '0.1');
await b.press('#ctl-translate-x', 'Enter');
await a.waitForFunction(() => document.querySelector('#ctl-translate-x').value === '0.1', null, { timeout: 5000 })
  .then(() => check(true, 'translate-x typed on page B shows on page A'), () => check(false, 'translate-x typed on page B shows on page A'));
await b.selectOption('#ctl-animation', 'walk');
await a.waitForFunction(() => document.querySelector('#ctl-animation').value === 'walk', null, { timeout: 5000 })
  .then(() => check(true, 'the animation dropdown syncs'), () => check(false, 'the animation dropdown syncs'));
await b.selectOption('#ctl-animation', 'none');

// ---- OSC drives both pages ----
const osc = await run('oscsend', ['127.0.0.1', String(st.osc), '/sg3/seed', 'i', '11']);
check(osc.code === 0, 'oscsend /sg3/seed i 11');
for (const [n, p] of [['A', a], ['B', b]])
  await p.waitForFunction(() => document.querySelector('#ctl-seed').value === '11', null, { timeout: 5000 })
    .then(() => check(true, `OSC seed 11 shows on page ${n}`), () => check(false, `OSC seed 11 shows on page ${n}`));
const s2 = await state();
const ref2 = await sg3gen(path.join(tmp, 'gen2'), { seed: 11, klass: 7, psi: s2.psi, rotate: s2.rotate, tx: s2['translate-x'], ty: s2['translate-y'] });
check(await frameEquals(ref2) > 0, `after OSC and both pages, the frame equals sg3-gen (seed 11, class 7, psi ${s2.psi}, rotate ${s2.rotate}, translate ${s2['translate-x']},${s2['translate-y']})`);

// ---- the model picker ----
await a.selectOption('#model', 'sg3t-fashion32.safetensors');
await until('the model to load', async () => (await state()).model === 'sg3t-fashion32.safetensors', 20)
  .then(() => check(true, 'the model picker loads a file from --models'), () => check(false, 'the model picker loads a file from --models'));
await b.waitForFunction(() => document.querySelector('#model').value === 'sg3t-fashion32.safetensors', null, { timeout: 5000 })
  .then(() => check(true, 'the picker on page B follows'), () => check(false, 'the picker on page B follows'));

// ---- save PNG, save w ----
await a.click('#save-png');
await a.waitForSelector('#saved a');
const saved = await a.textContent('#saved a');
const savedPath = path.join(saveDir, saved);
check(fs.existsSync(savedPath) && /^sg3-\d{8}-\d{6}-seed11(-\d+)?\.png$/.test(saved), `save PNG wrote ${saved} into --save-dir`);
check((await pngRaw(savedPath)).equals(await pngRaw(ref2)), 'the saved PNG is the current frame');
check(fs.readdirSync(saveDir).every((f) => !f.startsWith('.')), 'no temporary files left in the save folder');
const info = await getJSON(base, '/api/info');
if (!info.save_w) {
  check(await a.isDisabled('#save-w'), 'save w is disabled: the element lacks last-ws, model-num-ws or model-w-dim');
  const r = await request(base, '/api/save/w', { method: 'POST', headers: { 'Content-Length': 0 } });
  check(r.status === 501, 'POST /api/save/w answers 501 without them');
  note('SKIP: the .npy content check (sg3src lacks last-ws, model-num-ws or model-w-dim)');
} else {
  await a.click('#save-w');
  await a.waitForFunction(() => /\.npy$/.test(document.querySelector('#saved a')?.textContent || ''));
  const npy = fs.readFileSync(path.join(saveDir, await a.textContent('#saved a')));
  const header = npy.subarray(10, 10 + npy.readUInt16LE(8)).toString();
  check(npy.subarray(1, 6).toString() === 'NUMPY' && header.includes(`(1, ${info['num-ws']}, ${info['w-dim']})`) &&
    header.includes('<f4'), `save w wrote a float32 .npy of shape (1, ${info['num-ws']}, ${info['w-dim']})`);
}

// ---- latency of the preview, measured in the browser ----
const lat = await a.evaluate(async () => {
  const r = await fetch('/stream.mjpg');
  const reader = r.body.getReader();
  const dec = new TextDecoder('latin1');
  let buf = '';
  const out = [];
  while (out.length < 90) {
    const { value, done } = await reader.read();
    if (done) break;
    const now = (performance.timeOrigin + performance.now()) * 1000;
    buf += dec.decode(value);
    let m;
    while ((m = /X-Timestamp-Us: (\d+)\r\n\r\n/.exec(buf))) {
      out.push((now - +m[1]) / 1000);
      buf = buf.slice(m.index + m[0].length);
    }
    if (buf.length > 1 << 20) buf = buf.slice(-4096);
  }
  reader.cancel();
  return out;
});
const lat2 = lat.slice(10); // the first are the frame already waiting
note(`preview latency (sg3src pushed the frame -> the browser has the JPEG): median ${median(lat2).toFixed(1)} ms, 95th percentile ${percentile(lat2, 0.95).toFixed(1)} ms, max ${Math.max(...lat2).toFixed(1)} ms over ${lat2.length} frames`);
check(lat2.length >= 60 && median(lat2) < 100, 'preview latency on loopback under 100 ms (median)');

// ---- the README's screenshot ----
for (const [k, v] of [['seed', 3], ['class', 7], ['psi', 0.7], ['rotate', 0], ['translate-x', 0]])
  await postJSON(base, '/api/set', { name: k, value: v });
await a.waitForFunction(() => document.querySelector('#ctl-seed').value === '3');
await sleep(1500);
const shot = path.join(buildDir, 'tests', 'studio', 'sg3-studio.png');
fs.mkdirSync(path.dirname(shot), { recursive: true });
await a.screenshot({ path: shot });
check(fs.statSync(shot).size > 10000, `screenshot ${shot}`);
if (process.env.SG3_UPDATE_SCREENSHOT || process.argv.includes('--update-screenshot')) {
  const dst = path.join(sourceDir, 'docs', 'images', 'sg3-studio.png');
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(shot, dst);
  note(`copied to ${dst}`);
}

check(pageErrors.length === 0, `no errors in the pages${pageErrors.length ? ': ' + pageErrors.join(' | ') : ''}`);
await browser.close();
const code = await st.stop('SIGTERM');
check(code === 0, `SIGTERM stops sg3-studio with exit code 0 (got ${code})`);
await finish();

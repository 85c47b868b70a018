// What the sg3-studio tests share: starting sg3-studio on free loopback
// ports and always stopping it, checks with "ok:"/"FAIL:" lines and the
// closing "N passed, M failed", a watchdog so that nothing hangs, and small
// helpers (HTTP on loopback, raw frames of PNGs through GStreamer).
import { spawn, execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export const buildDir = path.resolve(process.argv[2] || process.env.SG3_BUILD_DIR || 'build');
export const sourceDir = path.resolve(process.argv[3] || process.env.SG3_SOURCE_DIR || '.');
export const studioBin = path.join(buildDir, 'examples', 'sg3-studio');
export const genBin = path.join(buildDir, 'examples', 'sg3-gen');
export const demoModel = path.join(sourceDir, 'models', 'sg3t-fashion32.safetensors');

let passed = 0, failed = 0;
const children = new Set();
const cleanups = [];

export function check(ok, msg) {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok' : 'FAIL'}: ${msg}`);
  return ok;
}

export function note(msg) { console.log(`  ${msg}`); }

export function onCleanup(fn) { cleanups.push(fn); }

function killAll() {
  for (const c of children) { try { c.kill('SIGKILL'); } catch (e) { /* gone */ } }
  for (const fn of cleanups.splice(0)) { try { fn(); } catch (e) { /* best effort */ } }
}
process.on('exit', killAll);

export async function finish() {
  killAll();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

export function fatal(msg) {
  failed++;
  console.log(`FAIL: ${msg}`);
  killAll();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(1);
}

// The whole test fails (never hangs) after SECONDS.
export function watchdog(seconds) {
  setTimeout(() => fatal(`the test did not finish within ${seconds} s`), seconds * 1000).unref();
}
process.on('unhandledRejection', (e) => fatal(`unexpected error: ${e && e.stack || e}`));
process.on('uncaughtException', (e) => fatal(`unexpected error: ${e && e.stack || e}`));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function tmpDir(prefix = 'sg3-studio-test-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  onCleanup(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

// Starts sg3-studio with ARGS (plus free ports unless given); resolves when
// it has printed its URL. stderr and stdout lines are kept and echoed.
export function startStudio(args = [], { timeout = 60, ports = true, quiet = false } = {}) {
  const full = ports ? ['--port', '0', '--osc-port', '0', ...args] : args;
  const proc = spawn(studioBin, full, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  const s = { proc, out: [], err: [], url: null, base: null, token: null, osc: null, rtsp: null, exit: null };
  const waiters = [];
  const onLine = (kind) => (line) => {
    s[kind].push(line);
    if (!quiet) console.log(`  studio ${kind}: ${line}`);
    let m;
    if ((m = /^(http:\/\/[^/]+\/)(\?token=([0-9a-f]+))?$/.exec(line))) {
      s.base = m[1]; s.url = line; s.token = m[3] || null;
    }
    if ((m = /^osc: udp:\/\/[^ ]*:(\d+)$/.exec(line))) s.osc = +m[1];
    if ((m = /^(rtsp:\/\/\S+)$/.exec(line))) s.rtsp = m[1];
    for (const w of waiters.slice()) w();
  };
  lines(proc.stdout, onLine('out'));
  lines(proc.stderr, onLine('err'));
  s.exited = new Promise((resolve) => proc.on('exit', (code, sig) => {
    children.delete(proc);
    s.exit = code === null ? 128 + (os.constants.signals[sig] || 0) : code;
    resolve(s.exit);
    for (const w of waiters.slice()) w();
  }));
  s.waitFor = (pred, secs = 10) => new Promise((resolve, reject) => {
    const t = setTimeout(() => { done(); reject(new Error('timeout')); }, secs * 1000);
    const w = () => { if (pred()) { done(); resolve(true); } };
    const done = () => { clearTimeout(t); const i = waiters.indexOf(w); if (i >= 0) waiters.splice(i, 1); };
    waiters.push(w); w();
  });
  s.stop = async (signal = 'SIGTERM', secs = 20) => {
    if (s.exit !== null) return s.exit;
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), secs * 1000);
    const code = await s.exited;
    clearTimeout(t);
    return code;
  };
  s.ready = s.waitFor(() => s.base || s.exit !== null, timeout).then(() => {
    if (!s.base) throw new Error(`sg3-studio exited (${s.exit}): ${s.err.join(' | ')}`);
    return s;
  });
  return s;
}

function lines(stream, fn) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { fn(buf.slice(0, i)); buf = buf.slice(i + 1); }
  });
}

// One HTTP request on loopback: {status, headers, body (Buffer)}.
export function request(base, pathname, { method = 'GET', headers = {}, body, timeout = 10000, raw } = {}) {
  const u = new URL(pathname, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: raw || (u.pathname + u.search), method, headers, timeout, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${pathname}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export async function getJSON(base, pathname, opts = {}) {
  const r = await request(base, pathname, opts);
  return JSON.parse(r.body.toString());
}

export function postJSON(base, pathname, obj, opts = {}) {
  const body = typeof obj === 'string' ? obj : JSON.stringify(obj);
  return request(base, pathname, { method: 'POST', body, ...opts,
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...(opts.headers || {}) } });
}

export function run(cmd, args, { timeout = 60000, input } = {}) {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { timeout, maxBuffer: 1 << 26, encoding: 'buffer' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr: stderr.toString() });
    });
    children.add(p);
    p.on('exit', () => children.delete(p));
    if (input) { p.stdin.end(input); }
  });
}

// A PNG's raw 8-bit pixels, decoded by GStreamer (as tests/test_cli.sh).
export async function pngRaw(file) {
  const out = file + '.raw';
  const r = await run('gst-launch-1.0', ['-q', 'filesrc', `location=${file}`, '!', 'pngdec', '!', 'filesink', `location=${out}`]);
  if (r.code) throw new Error(`pngdec ${file}: ${r.stderr}`);
  return fs.readFileSync(out);
}

// What sg3-gen renders for the settings: DIR/seedSSSS.png.
export async function sg3gen(dir, { seed, klass, psi = 1, rotate = 0, tx = 0, ty = 0 }) {
  const args = ['--network', demoModel, '--seeds', String(seed), '--class', String(klass),
    '--trunc', String(psi), '--rotate', String(rotate), '--translate', `${tx},${ty}`, '--outdir', dir];
  const r = await run(genBin, args);
  if (r.code) throw new Error(`sg3-gen failed: ${r.stderr}`);
  return path.join(dir, `seed${String(seed).padStart(4, '0')}.png`);
}

export function median(a) { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; }
export function percentile(a, p) { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; }

// CPU seconds (user + system) of a process so far.
export function cpuSeconds(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (+rest[11] + +rest[12]) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

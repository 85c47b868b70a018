// sg3-studio without a browser: bad options; OSC with liblo's oscsend and
// oscdump (set, get, follow) and malformed packets; the security rules
// (Host, Origin, token on a non-loopback bind, path traversal in the model
// picker and the save endpoints, body and message sizes, client limits, a
// slow preview client); the --rtsp and --record outputs; --audio.
//
//   node api.mjs BUILD_DIR SOURCE_DIR
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import {
  studioBin, demoModel, check, note, finish, watchdog, startStudio, getJSON, postJSON,
  request, sleep, tmpDir, run, onCleanup,
} from './lib.mjs';

watchdog(270);
const tmp = tmpDir();

// ---- bad options: one line, exit code 1 ----
for (const args of [['--port', '70000'], ['--address', 'example.org'], ['--models', '/nonexistent'],
  ['--fps', '0'], ['--set', 'nope=1'], ['--set', 'seed=-1'], ['--preview-size', '3'],
  ['--osc-send', 'nowhere'], ['--model', '/nonexistent.pkl'], ['extra'],
  ['--audio', '/nonexistent.wav'], ['--audio', '--audio-preset', 'loud']]) {
  const r = await run(studioBin, ['--port', '0', '--osc-port', '0', ...args], { timeout: 30000 });
  const lines = r.stderr.trim().split('\n');
  check(r.code === 1 && lines.length === 1 && lines[0].startsWith('sg3-studio: '),
    `${args.join(' ')}: exit 1 with one line (${lines[0]})`);
}

// ---- the models folder: one good file and everything that must be refused ----
const models = path.join(tmp, 'models');
fs.mkdirSync(models);
fs.copyFileSync(demoModel, path.join(models, 'good.safetensors'));
fs.symlinkSync(demoModel, path.join(models, 'link.safetensors'));
fs.symlinkSync('/etc/passwd', path.join(models, 'passwd.pkl'));
fs.mkdirSync(path.join(models, 'dir.pkl'));
fs.writeFileSync(path.join(models, 'notes.txt'), 'x');
fs.writeFileSync(path.join(models, '.hidden.pkl'), 'x');
const saves = path.join(tmp, 'saves');

// an OSC controller that follows: oscdump on a free port
const dumpPort = await freeUdpPort();
const dump = spawn('oscdump', ['-L', String(dumpPort)], { stdio: ['ignore', 'pipe', 'pipe'] });
onCleanup(() => dump.kill('SIGKILL'));
const dumped = [];
dump.stdout.setEncoding('utf8');
dump.stdout.on('data', (d) => dumped.push(...d.split('\n').filter(Boolean)));
await sleep(300);

const st = startStudio(['--models', models, '--save-dir', saves, '--max-clients', '3',
  '--osc-send', `127.0.0.1:${dumpPort}`, '--set', 'class=3']);
await st.ready;
const base = st.base;
const state = () => getJSON(base, '/api/state');
const alive = async () => (await request(base, '/api/state')).status === 200;

// ---- OSC: set ----
const oscsend = (...a) => run('oscsend', ['127.0.0.1', String(st.osc), ...a]);
const stateAfter = async (pred, secs = 3) => {
  const end = Date.now() + secs * 1000;
  let s;
  while (Date.now() < end) { s = await state(); if (pred(s)) return s; await sleep(50); }
  return s;
};
await oscsend('/sg3/seed', 'i', '42');
check((await stateAfter((s) => s.seed === 42)).seed === 42, 'oscsend /sg3/seed i 42 sets seed');
await oscsend('/sg3/seed', 'f', '7.6');
check((await stateAfter((s) => s.seed === 8)).seed === 8, '/sg3/seed f 7.6: an int property takes a float, rounded (8)');
await oscsend('/sg3/psi', 'f', '5');
check((await stateAfter((s) => s.psi === 2)).psi === 2, '/sg3/psi f 5 is clamped to the maximum, 2');
await st.waitFor(() => st.err.some((l) => /psi=5 out of range \[-2, 2\], clamped to 2/.test(l)), 3)
  .then(() => check(true, '... with a log line'), () => check(false, '... with a log line'));
await oscsend('/sg3/psi', 'd', '0.5');
check((await stateAfter((s) => s.psi === 0.5)).psi === 0.5, '/sg3/psi d 0.5 (double)');
await oscsend('/sg3/psi', 's', 'hello');
await st.waitFor(() => st.err.some((l) => /\/sg3\/psi refused: psi: expected a number/.test(l)), 3)
  .then(() => check(true, '/sg3/psi s hello is refused with a log line'), () => check(false, '/sg3/psi s hello is refused with a log line'));
check((await state()).psi === 0.5, '... and psi is unchanged');
await oscsend('/sg3/animation', 's', 'walk');
check((await stateAfter((s) => s.animation === 'walk')).animation === 'walk', '/sg3/animation s walk (enum by nick)');
await oscsend('/sg3/animation', 'i', '0');
check((await stateAfter((s) => s.animation === 'none')).animation === 'none', '/sg3/animation i 0 (enum by value)');
await oscsend('/sg3/transform', 'fff', '0.25', '-0.5', '45');
check(JSON.stringify((await stateAfter((s) => s.rotate === 45))).includes('"transform":[0.25,-0.5,45'), '/sg3/transform f f f sets the array (and translate-x/y, rotate follow)');
await oscsend('/sg3/nope', 'i', '1');
await oscsend('/sg3/is-live', 'F');
await oscsend('/sg3/model', 's', '/etc/passwd');
await st.waitFor(() => st.err.some((l) => /\/sg3\/nope refused: sg3src has no property 'nope'/.test(l)) &&
  st.err.some((l) => /\/sg3\/is-live refused/.test(l)) &&
  st.err.some((l) => /\/sg3\/model refused: model: '\/etc\/passwd' is not a model file name/.test(l)), 3)
  .then(() => check(true, 'unknown, hidden and path-valued OSC sets are refused with log lines'),
    () => check(false, 'unknown, hidden and path-valued OSC sets are refused with log lines'));
// ---- OSC: follow (oscdump as the controller) ----
const follows = (re) => new Promise((resolve) => {
  const end = Date.now() + 3000;
  const t = setInterval(() => {
    if (dumped.some((l) => re.test(l)) || Date.now() > end) { clearInterval(t); resolve(dumped.some((l) => re.test(l))); }
  }, 50);
});
await oscsend('/sg3/seed', 'i', '77');
await stateAfter((s) => s.seed === 77);
// Changes are pushed from the main loop with the value current then, so
// the next change waits for this one to go out (else only 78 is sent).
check(await follows(/ \/sg3\/seed i 77$/), 'a change from OSC reaches --osc-send too');
await postJSON(base, '/api/set', { name: 'seed', value: 78 });
check(await follows(/ \/sg3\/seed i 78$/), 'a change from the web reaches --osc-send (oscdump: /sg3/seed i 78)');
check(await follows(/ \/sg3\/psi f 0\.5/), 'doubles go out as OSC floats (/sg3/psi f 0.5)');
check(await follows(/ \/sg3\/animation s "?walk"?$/), 'enums go out as their nick');

// ---- OSC: get, from a socket that listens for the reply ----
const sock = dgram.createSocket('udp4');
await new Promise((r) => sock.bind(0, '127.0.0.1', r));
const replies = [];
sock.on('message', (m) => { try { replies.push(oscParse(m)); } catch (e) { replies.push({ bad: true }); } });
sock.send(oscMessage('/sg3/get/seed'), st.osc, '127.0.0.1');
await sleep(300);
check(replies.length === 1 && replies[0].address === '/sg3/seed' && replies[0].args[0] === 78,
  `/sg3/get/seed replies /sg3/seed 78 to the sender (${JSON.stringify(replies[0])})`);
replies.length = 0;
sock.send(oscMessage('/sg3/get'), st.osc, '127.0.0.1');
await sleep(500);
const names = Object.keys(await state());
check(replies.length === names.length && names.every((n) => replies.some((r) => r.address === `/sg3/${n}`)),
  `/sg3/get replies every property (${replies.length} messages)`);

// ---- OSC: malformed packets and garbage ----
const before = JSON.stringify(await state());
const bad = [
  Buffer.alloc(0), Buffer.from('abc'), Buffer.from('/sg3/seed'), Buffer.from('/sg3/seed\0\0\0'),
  Buffer.from('/sg3/seed\0\0\0,i\0\0'), // int missing
  Buffer.from('/sg3/seed\0\0\0,s\0\0abc'), // unterminated string
  Buffer.from('/sg3/seed\0\0\0,i'), Buffer.from('#bundle\0\0\0\0\0\0\0\0\0\0\0\0\x10/sg3/seed\0\0\0,i\0\0\0\0\0\x05'),
  Buffer.from('/sg3/seed\0\0\0xi\0\0\0\0\0\x05'), // no comma
  Buffer.from('/sg3/seed\0\0\0,b\0\0\xff\xff\xff\xff'), // blob of bad size
  Buffer.alloc(9000, 0x41), // too large
  oscMessage('/sg3/seed', 'N'), oscMessage('/sg3/seed', 'b', [Buffer.from('abcd')]), oscMessage('/sg3/seed'),
];
let seedRand = 1;
const rnd = () => (seedRand = (seedRand * 1103515245 + 12345) % 2147483648) / 2147483648;
for (let i = 0; i < 300; i++) {
  const n = Math.floor(rnd() * 600);
  const b = Buffer.alloc(n);
  for (let k = 0; k < n; k++) b[k] = Math.floor(rnd() * 256);
  if (i % 3 === 0 && n > 12) b.write('/sg3/seed\0\0\0,', 0, 'latin1');
  bad.push(b);
}
for (const b of bad) { sock.send(b, st.osc, '127.0.0.1'); if (bad.indexOf(b) % 50 === 0) await sleep(20); }
await sleep(800);
check(st.exit === null && await alive(), `after ${bad.length} malformed or random OSC packets the server runs`);
check(JSON.stringify(await state()) === before, '... and no property changed');
check(st.err.some((l) => /malformed OSC packet/.test(l)) && st.err.some((l) => /bundles are not supported/.test(l)) &&
  st.err.some((l) => /larger than 8192 bytes refused/.test(l)), '... and they were logged');
replies.length = 0;
sock.send(oscMessage('/sg3/get/seed'), st.osc, '127.0.0.1');
await sleep(300);
check(replies.length === 1 && replies[0].args[0] === 78, 'OSC still answers');
sock.close();

// ---- path traversal: the model picker ----
const listed = await getJSON(base, '/api/models');
check(JSON.stringify(listed.models) === '["good.safetensors"]',
  `the picker lists only regular .pkl/.safetensors files directly in --models (${JSON.stringify(listed.models)})`);
for (const name of ['../models/good.safetensors', '/etc/passwd', path.join(models, 'good.safetensors'),
  'link.safetensors', 'passwd.pkl', 'dir.pkl', 'notes.txt', '.hidden.pkl', 'a/b.pkl', '..', '...pkl',
  'good.safetensors\u0000.txt', 'missing.pkl', 'C:\\x.pkl']) {
  const r = await postJSON(base, '/api/model', { name });
  check(r.status >= 400 && r.status < 500, `model ${JSON.stringify(name)}: ${r.status} ${r.body.toString().trim()}`);
}
for (const body of [{ name: 42 }, { name: ['good.safetensors'] }, { nam: 'x' }]) {
  const r = await postJSON(base, '/api/model', body);
  check(r.status === 400, `model ${JSON.stringify(body)}: 400`);
}
const r0 = await postJSON(base, '/api/set', { name: 'model', value: '/etc/passwd' });
check(r0.status === 400, '/api/set model=/etc/passwd: 400');
check((await state()).model === '', 'the model is still the built-in one');
const r1 = await postJSON(base, '/api/model', { name: 'good.safetensors' });
check(r1.status === 202, 'picking good.safetensors: 202 (loads in the background)');
check((await stateAfter((s) => s.model === 'good.safetensors', 20)).model === 'good.safetensors', '... and it loads');

// ---- path traversal: the save endpoints and saved files ----
const sv = await postJSON(base, '/api/save/png', { name: '../../evil.png', path: '/tmp/evil.png' });
const svj = JSON.parse(sv.body.toString());
check(sv.status === 200 && /^sg3-\d{8}-\d{6}-seed78(-\d+)?\.png$/.test(svj.file) && fs.existsSync(path.join(saves, svj.file)),
  `save PNG ignores names from the request and writes ${svj.file} into --save-dir`);
check(!fs.existsSync(path.join(tmp, 'evil.png')) && !fs.existsSync('/tmp/evil.png'), '... nothing outside it');
const got = await request(base, svj.url);
check(got.status === 200 && got.body.equals(fs.readFileSync(path.join(saves, svj.file))), 'the saved file downloads from /saves/NAME');
fs.writeFileSync(path.join(tmp, 'secret.png'), 'secret');
fs.symlinkSync(path.join(tmp, 'secret.png'), path.join(saves, 'sg3-link.png'));
for (const raw of ['/saves/../../etc/passwd', '/saves/..%2F..%2Fetc%2Fpasswd', '/saves/%2e%2e/secret.png',
  '/saves/sg3-link.png', '/saves/sg3-missing.png', '/saves/passwd', '/saves/', '/saves',
  '/%2e%2e/%2e%2e/etc/passwd', '/api/save/..%2f..%2fx', '/saves/sg3-x.png%00.txt']) {
  const r = await request(base, '/', { raw });
  check(r.status >= 400 && r.status < 500 && !r.body.toString().includes('root:') && !r.body.toString().includes('secret'),
    `GET ${raw}: ${r.status}`);
}
const sw = await postJSON(base, '/api/save/w', {});
check(sw.status === 501 || sw.status === 200, `save w: ${sw.status} (501 while sg3src has no last-ws)`);

// ---- malformed and oversized requests ----
const unchanged = JSON.stringify(await state());
const big = 'x'.repeat(1 << 20);
const cases = [
  ['1 MB body', () => postJSON(base, '/api/set', big), 413],
  ['1 MB body to a page', () => request(base, '/', { method: 'POST', body: big, headers: { 'Content-Length': big.length } }), 413],
  ['bad JSON', () => postJSON(base, '/api/set', '{"name": "seed", "value": '), 400],
  ['JSON not an object', () => postJSON(base, '/api/set', '[1,2]'), 400],
  ['no name', () => postJSON(base, '/api/set', { value: 1 }), 400],
  ['wrong value type', () => postJSON(base, '/api/set', { name: 'seed', value: 'one' }), 400],
  ['NaN-like value', () => postJSON(base, '/api/set', '{"name":"psi","value":1e999}'), 400],
  ['unknown property', () => postJSON(base, '/api/set', { name: 'nope', value: 1 }), 404],
  ['hidden property', () => postJSON(base, '/api/set', { name: 'num-buffers', value: 1 }), 404],
  ['read-only property', () => postJSON(base, '/api/set', { name: 'name', value: 'x' }), 404],
  ['bad enum', () => postJSON(base, '/api/set', { name: 'animation', value: 'fly' }), 400],
  ['wrong array length', () => postJSON(base, '/api/set', { name: 'transform', value: [1, 2] }), 400],
  ['PUT', () => request(base, '/api/set', { method: 'PUT', body: '{}', headers: { 'Content-Length': 2 } }), 405],
  ['GET on a POST endpoint', () => request(base, '/api/set'), 405],
  ['GET with a body', () => request(base, '/api/state', { body: 'abc', headers: { 'Content-Length': 3 } }), 400],
  ['unknown path', () => request(base, '/nope'), 404],
  ['wrong Host', () => request(base, '/api/state', { headers: { Host: 'evil.example:80' } }), 421],
  ['cross-origin POST', () => postJSON(base, '/api/set', { name: 'seed', value: 1 }, { headers: { Origin: 'http://evil.example' } }), 403],
];
for (const [what, fn, want] of cases) {
  let r;
  try { r = await fn(); } catch (e) { r = { status: `error ${e.code || e.message}` }; }
  check(r.status === want, `${what}: ${want} (got ${r.status})`);
}
const chunked = await new Promise((resolve) => {
  const u = new URL('/api/set', base);
  const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false }, (res) => { res.resume(); resolve(res.statusCode); });
  req.on('error', (e) => resolve(`reset (${e.code})`));
  req.write('{"name":"seed",'); setTimeout(() => req.end('"value":1}'), 50);
});
check(chunked === 411 || String(chunked).startsWith('reset'), `a chunked request body is refused (${chunked})`);
const hugeHeader = await rawHttp(`GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(200000)}\r\n\r\n`);
check(!/^HTTP\/1\.1 200/.test(hugeHeader), `a 200 kB header is refused (${hugeHeader.split('\r\n')[0] || 'closed'})`);
const junk = await rawHttp('\x16\x03\x01\x02\x00garbage\r\n\r\n');
check(!/^HTTP\/1\.1 200/.test(junk), `a TLS hello / garbage is refused (${junk.split('\r\n')[0] || 'closed'})`);
check(JSON.stringify(await state()) === unchanged, 'none of them changed anything');
const post = await postJSON(base, '/api/set', { name: 'seed', value: 78 }, { headers: { Origin: base.replace(/\/$/, '') } });
check(post.status === 200, 'a same-origin POST is fine');

// ---- WebSocket: origin, bad messages, sizes ----
const wsUrl = base.replace('http', 'ws') + 'ws';
const wsOpen = (opts = {}) => new Promise((resolve) => {
  const w = new WebSocket(wsUrl, opts);
  const msgs = [];
  w.on('message', (d) => msgs.push(JSON.parse(d.toString())));
  w.on('open', () => resolve({ w, msgs, ok: true }));
  w.on('unexpected-response', (req, res) => resolve({ ok: false, status: res.statusCode }));
  w.on('error', (e) => resolve({ ok: false, status: e.message }));
});
const evil = await wsOpen({ origin: 'http://evil.example' });
check(!evil.ok && evil.status === 403, `a WebSocket from another origin is refused (${evil.status})`);
const w1 = await wsOpen();
check(w1.ok, 'a WebSocket without Origin (not a browser) connects');
await sleep(300);
check(w1.msgs.some((m) => m.type === 'state' && m.full && m.values.seed === 78), 'it gets the full state first');
for (const m of ['not json', '[]', '{"type":"set"}', '{"type":"set","name":"nope","value":1}', '{"type":"fly"}',
  '{"type":"set","name":"psi","value":"x"}'])
  w1.w.send(m);
await sleep(500);
check(w1.msgs.filter((m) => m.type === 'error').length === 6, 'six bad messages, six error replies');
w1.w.send(JSON.stringify({ type: 'set', name: 'psi', value: 0.25 }));
check((await stateAfter((s) => s.psi === 0.25)).psi === 0.25, 'a good set over the WebSocket works');
const closed = new Promise((r) => w1.w.on('close', (code) => r(code)));
w1.w.send('{"type":"set","name":"seed","value":' + ' '.repeat(100000) + '1}');
const closeCode = await Promise.race([closed, sleep(3000).then(() => 'still open')]);
// 1009 (too big) when the close frame arrives before the reset, else 1006
check(closeCode === 1009 || closeCode === 1006, `a 100 kB WebSocket message closes that connection (code ${closeCode})`);
check(await alive() && (await state()).seed === 78, '... the server keeps serving, seed unchanged');

// ---- client limits (--max-clients 3) ----
w1.w.terminate();
await sleep(300);
const streams = [];
for (let i = 0; i < 4; i++) streams.push(await openStream(base));
check(streams.slice(0, 3).every((s) => s.status === 200), 'three preview streams');
check(streams[3].status === 503, `the fourth gets 503 (${streams[3].status}: ${streams[3].body})`);
const sockets = [];
for (let i = 0; i < 4; i++) sockets.push(await wsOpen());
check(sockets.slice(0, 3).every((s) => s.ok), 'three WebSockets');
check(!sockets[3].ok && sockets[3].status === 503, `the fourth gets 503 (${sockets[3].status})`);
sockets.forEach((s) => s.ok && s.w.close());
// a slow client: stops reading; the server drops its frames, memory stays flat
streams[1].res.pause();
streams[2].res.destroy();
const rss0 = rss(st.proc.pid);
const t0 = Date.now();
const times = [];
while (Date.now() - t0 < 4000) { const t = Date.now(); await request(base, '/api/state'); times.push(Date.now() - t); await sleep(100); }
const rss1 = rss(st.proc.pid);
note(`with a stalled preview client: RSS ${rss0} -> ${rss1} kB, /api/state in at most ${Math.max(...times)} ms`);
check(rss1 - rss0 < 20000, 'a stalled preview client does not grow memory');
check(Math.max(...times) < 1000, 'a stalled preview client does not block the server');
const s0 = streams[0];
const n0 = s0.bytes;
await sleep(500);
check(s0.bytes > n0, 'the other preview client keeps getting frames');
streams.forEach((s) => s.res && s.res.destroy());
w1.w.terminate();
await sleep(300);
check((await openStream(base)).status === 200, 'after they leave, a new preview client is served');

const code = await st.stop('SIGTERM');
check(code === 0, `SIGTERM: exit code 0 (got ${code})`);

// ---- the token: forced on loopback, then a non-loopback bind ----
const t = startStudio(['--port', '0', '--no-osc', '--token'], { ports: false });
await t.ready;
check(!!t.token && t.token.length === 32 && t.out.some((l) => l.includes(`token ${t.token}`)), 'the token is printed at start');
for (const p of ['/', '/api/state', '/api/properties', '/stream.mjpg', '/api/frame.png', '/saves/sg3-x.png'])
  check((await request(t.base, p)).status === 401, `no token: ${p} 401`);
check((await request(t.base, `/api/state?token=${'0'.repeat(32)}`)).status === 401, 'a wrong ?token=: 401');
check((await request(t.base, '/api/state', { headers: { Authorization: `Bearer ${t.token}x` } })).status === 401, 'a wrong Bearer token: 401');
check((await postJSON(t.base, '/api/set', { name: 'seed', value: 9 })).status === 401, 'a POST without the token: 401');
const first = await request(t.base, `/?token=${t.token}`);
const cookie = (first.headers['set-cookie'] || [])[0] || '';
check(first.status === 200 && cookie.startsWith(`sg3_token=${t.token}`) && /HttpOnly/.test(cookie) && /SameSite=Strict/.test(cookie),
  'the printed URL works and sets an HttpOnly SameSite=Strict cookie');
check((await request(t.base, '/api/state', { headers: { Cookie: `sg3_token=${t.token}` } })).status === 200, 'the cookie works');
check((await request(t.base, '/api/state', { headers: { Cookie: `sg3_token=${t.token.slice(0, 31)}` } })).status === 401, 'a wrong cookie: 401');
check((await request(t.base, '/api/state', { headers: { Authorization: `Bearer ${t.token}` } })).status === 200, 'Authorization: Bearer works');
const nows = await new Promise((resolve) => {
  const w = new WebSocket(t.base.replace('http', 'ws') + 'ws');
  w.on('open', () => { w.close(); resolve('open'); });
  w.on('unexpected-response', (q, res) => resolve(res.statusCode));
  w.on('error', (e) => resolve(e.message));
});
check(nows === 401, `a WebSocket without the token: ${nows}`);
const yes = await new Promise((resolve) => {
  const w = new WebSocket(t.base.replace('http', 'ws') + 'ws', { headers: { Cookie: `sg3_token=${t.token}` } });
  w.on('open', () => { w.close(); resolve('open'); });
  w.on('unexpected-response', (q, res) => resolve(res.statusCode));
  w.on('error', (e) => resolve(e.message));
});
check(yes === 'open', 'a WebSocket with the cookie connects');
check(await t.stop('SIGINT') === 0, 'SIGINT: exit code 0');

// A non-loopback bind (all interfaces; the test talks to 127.0.0.1 only).
const any = startStudio(['--address', '0.0.0.0', '--port', '0', '--no-osc'], { ports: false });
await any.ready;
check(!!any.token, '--address 0.0.0.0 needs a token: printed at start');
check((await request(any.base, '/api/state')).status === 401, '... and requests without it get 401');
check((await request(any.base, '/api/state', { headers: { Authorization: `Bearer ${any.token}` } })).status === 200, '... with it 200');
await any.stop();

// ---- outputs from the same generator: --rtsp and --record ----
const mp4 = path.join(tmp, 'session.mp4');
const out = startStudio(['--rtsp', '0', '--record', mp4, '--video-size', '128', '--no-osc', '--set', 'spin=20']);
await out.ready;
await out.waitFor(() => out.rtsp, 10).catch(() => {});
check(!!out.rtsp, `--rtsp prints its URL (${out.rtsp})`);
check(fs.existsSync(mp4 + '.part') && !fs.existsSync(mp4), 'while recording, the file is FILE.part');
if (out.rtsp) {
  const r = await run('gst-launch-1.0', ['-q', 'rtspsrc', `location=${out.rtsp}`, 'protocols=tcp', '!', 'rtph264depay', '!',
    'avdec_h264', '!', 'videoconvert', '!', 'video/x-raw,width=128,height=128', '!', 'fakesink', 'num-buffers=20'], { timeout: 40000 });
  check(r.code === 0, `an RTSP client decodes 20 frames of 128x128 (${r.code ? r.stderr.trim().split('\n').pop() : 'ok'})`);
}
await sleep(1500);
check(await out.stop('SIGINT') === 0, 'SIGINT stops the recording session with exit code 0');
check(fs.existsSync(mp4) && !fs.existsSync(mp4 + '.part'), 'FILE.part was renamed to FILE');
// ffprobe (tools/install-deps.sh installs ffmpeg) reads the finished file
const probe = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries',
  'stream=codec_name,width,nb_read_frames:format=duration', '-of', 'json', mp4], { timeout: 30000 });
let pj = {};
try { pj = JSON.parse(probe.stdout.toString()); } catch (e) { /* not JSON */ }
const vs = (pj.streams || [])[0] || {};
const secs = +(pj.format || {}).duration || 0;
check(probe.code === 0 && vs.codec_name === 'h264' && vs.width === 128 && +vs.nb_read_frames > 30 && secs > 1,
  `the MP4 is finished: ${vs.codec_name} ${vs.width}px, ${vs.nb_read_frames} frames, ${secs.toFixed(2)} s`);

// ---- --audio FILE: a click track drives pulse and walk-speed ----
const clicks = path.join(tmp, 'clicks.wav');
fs.writeFileSync(clicks, clickTrack(4, 0.5));
const au = startStudio(['--audio', clicks, '--no-monitor', '--no-osc', '--audio-speed-base', '0.2']);
await au.ready;
check(au.out.some((l) => l.includes(`audio from ${clicks}`)), '--audio FILE says where the sound comes from');
let pulses = 0, last = 0, speeds = new Set(), walk = false;
for (const end = Date.now() + 3000; Date.now() < end; await sleep(15)) {
  const v = await getJSON(au.base, '/api/state');
  if (v.pulse > 0.5 && last <= 0.5) pulses++;
  last = v.pulse;
  speeds.add(v['walk-speed']);
  walk ||= v.animation === 'walk';
}
check(pulses >= 4, `the clicks pulse sg3src (${pulses} pulses in 3 s of clicks every 0.5 s)`);
check(walk && speeds.has(0.2), `it walks at the base speed between clicks (${[...speeds].join(', ')})`);
check(await au.stop('SIGINT') === 0, 'SIGINT: exit code 0');

await finish();

// ---- helpers ----

// A 16-bit mono WAV at 44.1 kHz: a 5 ms click every `every` seconds.
function clickTrack(seconds, every) {
  const rate = 44100, n = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0); b.writeUInt32LE(36 + 2 * n, 4); b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(2 * rate, 28); b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(2 * n, 40);
  for (let t = every; t < seconds; t += every) {
    const at = Math.round(t * rate);
    for (let k = 0; k < 220 && at + k < n; k++)
      b.writeInt16LE(Math.round(20000 * Math.exp(-k / 40) * (k % 2 ? 1 : -1)), 44 + 2 * (at + k));
  }
  return b;
}

function freeUdpPort() {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function oscString(s) {
  const b = Buffer.from(s + '\0', 'latin1');
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
}

// Test-side OSC encoding (the server uses liblo).
function oscMessage(address, types = '', args = []) {
  const parts = [oscString(address), oscString(',' + types)];
  [...types].forEach((t, i) => {
    const a = args[i];
    if (t === 'i') { const b = Buffer.alloc(4); b.writeInt32BE(a); parts.push(b); }
    if (t === 'f') { const b = Buffer.alloc(4); b.writeFloatBE(a); parts.push(b); }
    if (t === 's') parts.push(oscString(a));
    if (t === 'b') { const b = Buffer.alloc(4); b.writeInt32BE(a.length); parts.push(b, a, Buffer.alloc((4 - (a.length % 4)) % 4)); }
  });
  return Buffer.concat(parts);
}

function oscParse(buf) {
  let o = 0;
  const str = () => { const e = buf.indexOf(0, o); const s = buf.toString('latin1', o, e); o = (e + 4) & ~3; return s; };
  const address = str();
  const types = str().slice(1);
  const args = [];
  for (const t of types) {
    if (t === 'i') { args.push(buf.readInt32BE(o)); o += 4; }
    else if (t === 'h') { args.push(Number(buf.readBigInt64BE(o))); o += 8; }
    else if (t === 'f') { args.push(buf.readFloatBE(o)); o += 4; }
    else if (t === 's') args.push(str());
    else if (t === 'T') args.push(true);
    else if (t === 'F') args.push(false);
  }
  return { address, types, args };
}

function rawHttp(text) {
  const u = new URL(base);
  return new Promise((resolve) => {
    const s = net.connect(+u.port, u.hostname);
    let got = '';
    s.setTimeout(5000, () => s.destroy());
    s.on('connect', () => s.end(text));
    s.on('data', (d) => { got += d.toString('latin1'); });
    s.on('error', () => {});
    s.on('close', () => resolve(got));
  });
}

function openStream(b) {
  const u = new URL('/stream.mjpg', b);
  return new Promise((resolve) => {
    const req = http.get({ host: u.hostname, port: u.port, path: u.pathname, agent: false }, (res) => {
      const s = { status: res.statusCode, res, bytes: 0, body: '' };
      if (res.statusCode !== 200) {
        res.on('data', (d) => { s.body += d; });
        res.on('end', () => resolve(s));
        return;
      }
      res.on('data', (d) => { s.bytes += d.length; });
      res.on('error', () => {});
      resolve(s);
    });
    req.on('error', (e) => resolve({ status: e.message }));
  });
}

function rss(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? +m[1] : 0;
}

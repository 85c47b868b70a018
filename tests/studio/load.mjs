// sg3-studio under load: 8 browsers' worth of preview clients (MJPEG) at
// once on loopback for 30 s (SG3_LOAD_SECONDS), plus a WebSocket client
// moving a control 20 times a second. Reports the frame rate each client
// gets, the source's frame rate, the server's CPU and the preview latency.
//
//   node load.mjs BUILD_DIR SOURCE_DIR
import http from 'node:http';
import os from 'node:os';
import WebSocket from 'ws';
import {
  check, note, finish, watchdog, startStudio, getJSON, sleep, cpuSeconds, median, percentile,
} from './lib.mjs';

const SECONDS = +(process.env.SG3_LOAD_SECONDS || 30);
const CLIENTS = 8;
watchdog(SECONDS + 120);

const st = startStudio(['--set', 'animation=walk', '--set', 'walk-frames=30', '--set', 'class=4']);
await st.ready;
const base = st.base;
const u = new URL('/stream.mjpg', base);

const clients = [];
for (let i = 0; i < CLIENTS; i++) {
  const c = { frames: 0, bytes: 0, lat: [], buf: '' };
  c.req = http.get({ host: u.hostname, port: u.port, path: u.pathname, agent: false }, (res) => {
    c.status = res.statusCode;
    res.setEncoding('latin1');
    res.on('data', (d) => {
      const now = Date.now() * 1000;
      c.bytes += d.length;
      c.buf += d;
      let m;
      while ((m = /X-Timestamp-Us: (\d+)\r\n\r\n/.exec(c.buf))) {
        c.frames++;
        if (c.counting) c.lat.push((now - +m[1]) / 1000);
        c.buf = c.buf.slice(m.index + m[0].length);
      }
      if (c.buf.length > 1 << 20) c.buf = c.buf.slice(-1024);
    });
    res.on('error', () => {});
  });
  c.req.on('error', (e) => { c.status = e.message; });
  clients.push(c);
}
await sleep(2000);
check(clients.every((c) => c.status === 200), `${CLIENTS} preview clients connected`);

// a controller moving a slider meanwhile
const ws = new WebSocket(base.replace('http', 'ws') + 'ws');
await new Promise((r) => ws.on('open', r));
let k = 0;
const mover = setInterval(() => ws.send(JSON.stringify({ type: 'set', name: 'psi', value: 0.5 + 0.5 * Math.sin(k++ / 10) })), 50);

const f0 = clients.map((c) => c.frames), b0 = clients.map((c) => c.bytes);
clients.forEach((c) => { c.counting = true; });
const s0 = await getJSON(base, '/api/stats');
const cpu0 = cpuSeconds(st.proc.pid), t0 = Date.now();
const apiTimes = [];
while (Date.now() - t0 < SECONDS * 1000) {
  await sleep(1000);
  const t = Date.now();
  await getJSON(base, '/api/state');
  apiTimes.push(Date.now() - t);
}
const dt = (Date.now() - t0) / 1000;
const cpu = (cpuSeconds(st.proc.pid) - cpu0) / dt * 100;
const s1 = await getJSON(base, '/api/stats');
clearInterval(mover);
ws.close();

const fps = clients.map((c, i) => (c.frames - f0[i]) / dt);
const mbps = clients.reduce((s, c, i) => s + c.bytes - b0[i], 0) / dt / 1e6;
const srcFps = (s1.frames - s0.frames) / dt;
const lat = clients.flatMap((c) => c.lat);
const cpuModel = (os.cpus()[0] || {}).model || '?';
note(`machine: ${cpuModel}, ${os.cpus().length} cores`);
note(`${CLIENTS} MJPEG clients for ${dt.toFixed(1)} s: source ${srcFps.toFixed(1)} fps; clients min ${Math.min(...fps).toFixed(1)} / mean ${(fps.reduce((a, b) => a + b) / fps.length).toFixed(1)} fps; ${mbps.toFixed(2)} MB/s in all`);
note(`sg3-studio CPU ${cpu.toFixed(0)}% of one core (all threads: generator, scaling, JPEG, HTTP)`);
note(`preview latency under load: median ${median(lat).toFixed(1)} ms, 95th percentile ${percentile(lat, 0.95).toFixed(1)} ms`);
note(`/api/state under load: at most ${Math.max(...apiTimes)} ms`);
check(srcFps > 25, `the source keeps ~30 fps (${srcFps.toFixed(1)})`);
check(Math.min(...fps) > 20, `every client gets more than 20 fps (min ${Math.min(...fps).toFixed(1)})`);
check(median(lat) < 100, 'median preview latency under 100 ms');
check(Math.max(...apiTimes) < 1000, 'the API answers within a second throughout');
clients.forEach((c) => c.req.destroy());
check(await st.stop() === 0, 'SIGTERM: exit code 0');
await finish();

// Echo round trips through a resumed demo image, against a plain Node.js echo
// server started the same way, in the same run. Reports the ratio of medians.
// Bounded: ROUNDS round trips per target (default 2000), every child killed at the end.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const launcher = path.join(root, 'packages/image/bin/snaptel');
const ROUNDS = Number(process.env.ROUNDS ?? 2000);
const REPEATS = Number(process.env.REPEATS ?? 5);

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

async function waitListening(port, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`nothing listens on ${port}`);
}

/** ROUNDS sequential 32-byte round trips on one connection; returns ms. */
function roundTrips(port) {
  return new Promise((resolve, reject) => {
    const msg = Buffer.alloc(32, 0x61);
    const s = net.connect({ host: '127.0.0.1', port });
    s.setNoDelay(true);
    let left = ROUNDS;
    let got = 0;
    let t0;
    s.on('connect', () => {
      t0 = process.hrtime.bigint();
      s.write(msg);
    });
    s.on('data', (d) => {
      got += d.length;
      while (got >= msg.length) {
        got -= msg.length;
        if (--left === 0) {
          s.destroy();
          return resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        }
        s.write(msg);
      }
    });
    s.on('error', reject);
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-demo-bench-'));
const port = await freePort();
const basePort = await freePort();
fs.writeFileSync(path.join(dir, 'demo.json'), JSON.stringify({ package: 'demo', packages: { demo: { tcpPort: port, udpPort: port, heartbeatMs: 3_600_000 } } }));
const img = path.join(dir, 'demo.img');
const d = spawnSync(launcher, ['deploy', 'demo', '--config', path.join(dir, 'demo.json'), '--out', img, '-q'], { cwd: root, encoding: 'utf8' });
if (d.status !== 0) throw new Error(d.stderr);

const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
const image = spawn(launcher, ['run', img], { cwd: root, stdio: 'ignore' });
const plain = spawn(process.execPath, ['-e', `require('net').createServer((s) => s.pipe(s)).listen(${basePort}, '127.0.0.1')`], { stdio: 'ignore' });
children.push(image, plain);
await waitListening(port);
await waitListening(basePort);

const a = [];
const b = [];
for (let i = 0; i < REPEATS; i++) {
  b.push(await roundTrips(basePort));
  a.push(await roundTrips(port));
}
const mi = median(a);
const mb = median(b);
console.log(`echo: ${ROUNDS} round trips, median of ${REPEATS}, ${os.cpus().length} cores, Node ${process.version}`);
console.log(`  plain node echo server : ${mb.toFixed(1)} ms (${((mb * 1000) / ROUNDS).toFixed(1)} us per round trip)`);
console.log(`  resumed demo image     : ${mi.toFixed(1)} ms (${((mi * 1000) / ROUNDS).toFixed(1)} us per round trip)`);
console.log(`  ratio image / plain    : ${(mi / mb).toFixed(2)}x`);
image.kill('SIGTERM');
plain.kill('SIGTERM');
fs.rmSync(dir, { recursive: true, force: true });

// The libosmogsm oracle: compiles libosmogsm-oracle.c against the system's
// libosmogsm (Debian libosmogsm18) and runs requests through it. Used by
// test/oracle.test.ts (live comparison on random inputs) and by record.mjs
// (which writes libosmogsm-1.7.json, the recorded answers every machine checks).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = path.join(here, 'libosmogsm-oracle.c');
const LIBS = ['/usr/lib/x86_64-linux-gnu/libosmogsm.so.18', '/usr/lib/aarch64-linux-gnu/libosmogsm.so.18', '/usr/lib/libosmogsm.so.18'];

let built;

/** Path of the compiled oracle, or a string saying why there is none. */
export function oracle() {
  if (built !== undefined) return built;
  const lib = LIBS.find((l) => fs.existsSync(l));
  if (!lib) return (built = { missing: 'libosmogsm.so.18 is not installed (Debian package libosmogsm18)' });
  const src = fs.readFileSync(SOURCE);
  const exe = path.join(os.tmpdir(), `snaptel-auth-oracle-${createHash('sha256').update(src).update(lib).digest('hex').slice(0, 12)}`);
  if (!fs.existsSync(exe)) {
    const tmp = `${exe}.${process.pid}`;
    const r = spawnSync('cc', ['-O1', '-o', tmp, SOURCE, lib], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return (built = { missing: `cannot compile the oracle: ${r.error?.message ?? r.stderr}` });
    fs.renameSync(tmp, exe);
  }
  return (built = { exe, lib });
}

/** Runs request lines ("comp128 KI RAND", ...) through the oracle; one array of hex fields per line. */
export function ask(lines) {
  const o = oracle();
  if (!o.exe) throw new Error(o.missing);
  const r = spawnSync(o.exe, [], { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`oracle exited ${r.status}: ${r.stderr}`);
  const out = r.stdout.split('\n').slice(0, lines.length).map((l) => l.trim().split(/\s+/));
  out.forEach((f, i) => {
    if (f[0] === 'ERROR') throw new Error(`oracle refused: ${lines[i]}`);
  });
  return out;
}

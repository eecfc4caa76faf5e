// Records libosmogsm's answers for deterministic pseudo-random inputs into
// libosmogsm-1.7.json, so that machines without libosmogsm still compare
// against them. Run: node packages/auth/test/oracle/record.mjs
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ask, oracle } from './oracle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const N = 40;

// deterministic bytes: sha256 of a label
const bytes = (label, n) => createHash('sha256').update(label).digest('hex').slice(0, 2 * n);

const requests = [];
for (let i = 0; i < N; i++) {
  const k = bytes(`k${i}`, 16), rand = bytes(`rand${i}`, 16), opc = bytes(`opc${i}`, 16), op = bytes(`op${i}`, 16);
  const sqn = bytes(`sqn${i}`, 6), amf = bytes(`amf${i}`, 2);
  requests.push(
    { fn: 'comp128', args: [k, rand], out: ['sres', 'kc'] },
    { fn: 'xor_gsm', args: [k, rand], out: ['sres', 'kc'] },
    { fn: 'xor_umts', args: [k, rand, sqn, amf], out: ['res', 'ck', 'ik', 'autn', 'sres', 'kc'] },
    { fn: 'opc', args: [k, op], out: ['opc'] },
    { fn: 'milenage', args: [k, opc, rand, sqn, amf], out: ['macA', 'macS', 'res', 'ck', 'ik', 'ak', 'akStar'] },
    { fn: 'gsm_milenage', args: [k, opc, rand], out: ['sres', 'kc'] },
  );
}
const answers = ask(requests.map((r) => [r.fn, ...r.args].join(' ')));
const version = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'libosmogsm18'], { encoding: 'utf8' }).stdout || 'unknown';
const vectors = requests.map((r, i) => ({ fn: r.fn, args: r.args, ...Object.fromEntries(r.out.map((name, j) => [name, answers[i][j]])) }));
const head = {
  source: `libosmogsm18 ${version} (${oracle().lib}) through test/oracle/libosmogsm-oracle.c`,
  recorded: new Date().toISOString().slice(0, 10),
};
const text = JSON.stringify(head, null, 1).replace(/\n}$/, ',\n "vectors": [\n' + vectors.map((v) => '  ' + JSON.stringify(v)).join(',\n') + '\n ]\n}\n');
fs.writeFileSync(path.join(here, 'libosmogsm-1.7.json'), text);
console.log(`recorded ${vectors.length} answers`);

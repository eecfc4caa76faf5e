import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LINKTYPE_USER0, parsePdml, userDlt, type TsharkPacket } from '@snaptel/codec';
import { pcapng, type PcapngRecord } from '../src/pcapng';

/** tshark on a pcapng whose packets carry a direction (inbound = MS->SC for gsm_sms). */
export function tsharkSms(records: PcapngRecord[]): TsharkPacket[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-sms-'));
  try {
    const file = path.join(dir, 'in.pcapng');
    fs.writeFileSync(file, pcapng(records, LINKTYPE_USER0));
    const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'pdml', ...userDlt('gsm_sms'), '-o', 'gsm_sms.reassemble:FALSE'], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
    return parsePdml(r.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

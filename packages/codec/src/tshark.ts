import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pcap, pcapng, type PcapRecord } from './pcap';

/**
 * tshark as the oracle: dissects a pcap and returns, per packet, the flat
 * list of (field name, shown value, raw value) it printed, plus whether it
 * flagged the packet malformed. Used by every codec's tests.
 */
export interface TsharkField {
  name: string;
  show: string;
  value?: string;
}

export interface TsharkPacket {
  fields: TsharkField[];
  malformed: boolean;
  /** Expert info texts (warnings and errors). */
  expert: string[];
}

export function tsharkAvailable(): boolean {
  return spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** A user DLT mapping, so tshark dissects LINKTYPE_USER0 payloads as `proto`. */
export function userDlt(proto: string): string[] {
  return ['-o', `uat:user_dlts:"User 0 (DLT=147)","${proto}","0","","0",""`];
}

/** Dissects `records`; written as pcapng when any record carries a direction, else as pcap. */
export function tshark(records: PcapRecord[], linktype: number, extraArgs: string[] = []): TsharkPacket[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-tshark-'));
  try {
    const ng = records.some((r) => r.direction !== undefined);
    const file = path.join(dir, ng ? 'in.pcapng' : 'in.pcap');
    fs.writeFileSync(file, ng ? pcapng(records, linktype) : pcap(records, linktype));
    const r = spawnSync('tshark', ['-n', '-r', file, '-T', 'pdml', ...extraArgs], {
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

/** Minimal PDML reader: enough for <packet>, <proto> and <field name show value>. */
export function parsePdml(xml: string): TsharkPacket[] {
  const packets: TsharkPacket[] = [];
  for (const m of xml.matchAll(/<packet>([\s\S]*?)<\/packet>/g)) {
    const body = m[1]!;
    const fields: TsharkField[] = [];
    const expert: string[] = [];
    for (const f of body.matchAll(/<(field|proto)\s([^>]*?)\/?>/g)) {
      const attrs = Object.fromEntries([...f[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1]!, unescapeXml(a[2]!)]));
      if (!attrs.name) continue;
      fields.push({ name: attrs.name, show: attrs.show ?? attrs.showname ?? '', value: attrs.value });
      if (attrs.name === '_ws.expert.message' || attrs.name === '_ws.expert') expert.push(attrs.show ?? attrs.showname ?? '');
    }
    packets.push({ fields, malformed: /name="_ws\.malformed"/.test(body), expert });
  }
  return packets;
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

/** Values of a field in one packet, as tshark shows them. */
export function fieldValues(p: TsharkPacket, name: string): string[] {
  return p.fields.filter((f) => f.name === name).map((f) => f.show);
}

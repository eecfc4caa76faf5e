import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { LINKTYPE_RAW, writePcap } from '@snaptel/codec';
import { pcapCommand } from '../src/cli';
import { FilterError, parseFilter } from '../src/filter';
import { decodeCapture } from '../src/decode';
import type { Message } from '../src/types';
import { bssapDtap, dt1, hasTshark, hex, ipaGsup, ipaSccp, TcpConv, tmpDir, tsharkSummary } from './decode-helpers';

const ROOT = path.resolve(__dirname, '../../..');
const PKG = path.resolve(__dirname, '..');
const FIXTURE = path.join(ROOT, 'fixtures/osmo-bsc-sccplite-reset.pcap');
const DIST = path.join(PKG, 'dist/cli.js');

beforeAll(() => {
  // The spawned CLI runs the built JavaScript: build when a source is newer.
  const srcs = fs.readdirSync(path.join(PKG, 'src')).map((f) => fs.statSync(path.join(PKG, 'src', f)).mtimeMs);
  if (!fs.existsSync(DIST) || fs.statSync(DIST).mtimeMs < Math.max(...srcs)) {
    const r = spawnSync('npx', ['tsc', '-b', 'packages/pcap'], { cwd: ROOT, encoding: 'utf8' });
    if (!fs.existsSync(DIST)) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
  }
});

function cli(args: string[], opts: { tty?: boolean } = {}): { out: string; err: string; code: number | null } {
  const code = `require(${JSON.stringify(DIST)}).pcapCommand(process.argv.slice(1), { out: process.stdout, err: process.stderr, isTTY: ${opts.tty ? 'true' : 'false'} }).then((c) => { process.exitCode = c; })`;
  const r = spawnSync(process.execPath, ['-e', code, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

async function inProcess(args: string[]): Promise<{ out: string; err: string; code: number }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await pcapCommand(args, { out, err, isTTY: false });
  return { out: o, err: e, code };
}

describe('snaptel pcap decode (spawned)', () => {
  it('prints one tshark-like line per message and a tally', () => {
    const r = cli(['decode', FIXTURE]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.length).toBe(8);
    expect(lines[0]).toBe('    1    0.000000 127.0.0.1:5000 → 127.0.0.2:49152 IPA 6 IPA CCM ID_GET');
    expect(lines[6]).toBe('    7    6.000000 127.0.0.2:49152 → 127.0.0.1:5000 BSSMAP 25 BSSMAP Reset');
    expect(r.err).toBe('8 frames, 8 messages, 0 problems\n');
  });

  it.skipIf(!hasTshark && !process.env.CI)('has tshark\'s frame numbers, times and directions', () => {
    const ours = cli(['decode', FIXTURE]).out.trimEnd().split('\n');
    const theirs = tsharkSummary(FIXTURE);
    expect(ours.length).toBe(theirs.length);
    ours.forEach((l, i) => {
      const [n, t, src, , dst] = l.trim().split(/\s+/);
      const [tn, tt, tsrc, , tdst] = theirs[i]!.trim().split(/\s+/);
      expect([n, t, src!.split(':')[0], dst!.split(':')[0]]).toEqual([tn, tt, tsrc, tdst]);
    });
  });

  it('--json gives one object per message with the documented keys', () => {
    const r = cli(['decode', FIXTURE, '--json']);
    const objs = r.out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(objs.length).toBe(8);
    expect(Object.keys(objs[6]).sort()).toEqual(['dst', 'frame', 'hex', 'info', 'layers', 'relative', 'src', 'stream', 'time', 'transport', 'tree'].sort());
    expect(objs[6]).toMatchObject({ frame: 7, relative: '6.000000', src: '127.0.0.2:49152', dst: '127.0.0.1:5000', transport: 'tcp', stream: 0, layers: ['IPA', 'SCCP', 'BSSMAP'], info: 'BSSMAP Reset', hex: '0016fd090003070b0443b900fe0443bb00fe06000430040120' });
    expect(objs[6].tree.sccp.bssap.ies.cause).toBe(0x20);
  });

  it('--filter keeps the matching messages', () => {
    const r = cli(['decode', FIXTURE, '--filter', 'bssmap.Reset']);
    expect(r.out.trimEnd().split('\n').map((l) => l.split(' BSSMAP ').pop())).toEqual(['BSSMAP Reset'.replace('BSSMAP ', '')]);
    expect(r.err).toBe('8 frames, 8 messages (1 shown), 0 problems\n');
    expect(cli(['decode', FIXTURE, '--filter', "ipa.'ID ACK',bssmap.reset_acknowledge"]).out.trimEnd().split('\n').length).toBe(3);
    expect(cli(['decode', FIXTURE, '--filter', '!ipa.PING,!ipa.pong,!sccp']).out.trimEnd().split('\n').length).toBe(4);
  });

  it('reports problems on stderr with frame and layer, and exits 0', () => {
    const { dir, done } = tmpDir();
    try {
      const c = new TcpConv({ ip: '127.0.0.2', port: 49152 }, { ip: '127.0.0.1', port: 5000 }).open();
      const reset = hex('0016fd090003070b0443b900fe0443bb00fe06000430040120');
      c.send(0, reset).send(0, reset.subarray(0, 10)).send(0, reset, 120).close();
      const file = path.join(dir, 'gap.pcap');
      writePcap(file, c.records, LINKTYPE_RAW);
      const r = cli(['decode', file]);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/^snaptel pcap: frame \d+: tcp: gap of 120 byte\(s\) in 127\.0\.0\.2:49152 -> 127\.0\.0\.1:5000/m);
      expect(r.err).toMatch(/\d+ frames, 2 messages, \d+ problems\n$/);
    } finally {
      done();
    }
  });

  it('exits 1 when the file cannot be read, 2 on a usage error', () => {
    const missing = cli(['decode', '/nonexistent/x.pcap']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('cannot read /nonexistent/x.pcap: ENOENT');
    const { dir, done } = tmpDir();
    try {
      const f = path.join(dir, 'x.pcap');
      fs.writeFileSync(f, 'not a capture, just some text that is long enough');
      const bad = cli(['decode', f]);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/^snaptel pcap: .*x\.pcap: /);
    } finally {
      done();
    }
    expect(cli(['decode']).code).toBe(2);
    expect(cli(['decode', FIXTURE, '--ipa-port', 'x']).err).toContain('--ipa-port wants a port number');
  });

  it('ends quietly when stdout closes early (EPIPE)', () => {
    const { dir, done } = tmpDir();
    try {
      // enough messages to fill the pipe many times over
      const c = new TcpConv({ ip: '10.0.0.2', port: 40000 }, { ip: '10.0.0.1', port: 4222 }).open();
      const ulr = ipaGsup(hex('04 01 08 21 43 65 87 09 21 43 f5'));
      const many = new Uint8Array(Buffer.concat(Array.from({ length: 2000 }, () => Buffer.from(ulr))));
      for (let i = 0; i < 40; i++) c.send(0, many);
      const file = path.join(dir, 'big.pcap');
      writePcap(file, c.records, LINKTYPE_RAW);
      const code = `require(${JSON.stringify(DIST)}).pcapCommand(['decode', ${JSON.stringify(file)}], { out: process.stdout, err: process.stderr, isTTY: false }).then((c) => { process.exitCode = c; })`;
      const r = spawnSync('sh', ['-c', `"${process.execPath}" -e "$CODE" | head -n 3; echo "rc=\${PIPESTATUS:-$?}"`], { env: { ...process.env, CODE: code }, encoding: 'utf8', timeout: 60_000 });
      expect(r.stdout.split('\n').slice(0, 3).every((l) => l.includes('GSUP UpdateLocation Request'))).toBe(true);
      expect(r.stderr).not.toMatch(/EPIPE|Error/);
    } finally {
      done();
    }
  });
});

describe('pcapCommand in process', () => {
  it('prints usage for no command and help; replay without its arguments says what it needs', async () => {
    const none = await inProcess([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('snaptel pcap decode FILE');
    const help = await inProcess(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('see snaptel pcap replay --help');
    const rep = await inProcess(['replay']);
    expect(rep.code).toBe(2);
    expect(rep.err).toContain('needs one capture FILE and --image IMG');
  });

  it('a bad filter is a usage error naming the known protocols', async () => {
    const r = await inProcess(['decode', FIXTURE, '--filter', 'bssmap,foo.Bar']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown protocol 'foo' (known: ipa, gsup, sccp, bssap, bssmap, dtap, mm, cc, rr, ss, sms, mgcp, smpp, m3ua)");
  });

  it('--ipa-port and --no-heuristics choose what is decoded', async () => {
    const { dir, done } = tmpDir();
    try {
      const c = new TcpConv({ ip: '10.0.0.2', port: 40000 }, { ip: '10.0.0.1', port: 6001 }).open();
      c.send(0, ipaSccp(dt1(bssapDtap(hex('050870 09f107 0017 57 089910070000106005 3303575886'))))).close();
      const file = path.join(dir, 'odd.pcap');
      writePcap(file, c.records, LINKTYPE_RAW);
      expect((await inProcess(['decode', file])).out).toContain('10.0.0.2:40000 → 10.0.0.1:6001 MM 36 DTAP MM Location Updating Request');
      expect((await inProcess(['decode', file, '--no-heuristics'])).out).toBe('');
      expect((await inProcess(['decode', file, '--no-heuristics', '--ipa-port', '6001'])).out).toContain('DTAP MM Location Updating Request');
    } finally {
      done();
    }
  });
});

describe('progress on a terminal', () => {
  it('draws percent, MB/s and messages on stderr for a file above 1 MB, and clears it', async () => {
    const { dir, done } = tmpDir();
    try {
      const c = new TcpConv({ ip: '10.0.0.2', port: 40000 }, { ip: '10.0.0.1', port: 4222 }).open();
      const ulr = ipaGsup(hex('04 01 08 21 43 65 87 09 21 43 f5'));
      for (let i = 0; i < 20000; i++) c.send(0, ulr);
      const file = path.join(dir, 'tty.pcap');
      writePcap(file, c.records, LINKTYPE_RAW);
      expect(fs.statSync(file).size).toBeGreaterThan(1_000_000);
      const out = new PassThrough();
      const err = new PassThrough();
      let e = '';
      out.resume();
      err.on('data', (d) => (e += d));
      expect(await pcapCommand(['decode', file], { out, err, isTTY: true })).toBe(0);
      expect(e).toMatch(/\r\x1b\[K +\d+% [\d.]+ MB\/s \d+ messages/);
      expect(e).toMatch(/\r\x1b\[K\d+ frames, 20000 messages, 0 problems\n$/);
      e = '';
      await pcapCommand(['decode', file, '--no-progress'], { out, err, isTTY: true });
      expect(e).toBe(`${c.records.length} frames, 20000 messages, 0 problems\n`);
    } finally {
      done();
    }
  });
});

describe('parseFilter', () => {
  const msgs: Message[] = [];
  decodeCapture(FIXTURE, { onMessage: (m) => msgs.push(m) });
  const infos = (expr: string): string[] => msgs.filter(parseFilter(expr)).map((m) => m.info);

  it('matches protocols at any layer and message names without case, spaces, _ or -', () => {
    expect(infos('bssmap')).toEqual(['BSSMAP Reset', 'BSSMAP Reset Acknowledge']);
    expect(infos('BSSMAP.reset-acknowledge')).toEqual(['BSSMAP Reset Acknowledge']);
    expect(infos("bssmap.'Reset Acknowledge'")).toEqual(['BSSMAP Reset Acknowledge']);
    expect(infos('ipa.id_get,ipa.PONG')).toEqual(['IPA CCM ID_GET', 'IPA CCM PONG']);
    expect(infos('sccp.UDT').length).toBe(2);
    expect(infos('ipa').length).toBe(8);
    expect(infos('gsup')).toEqual([]);
  });

  it('negation excludes; with only negations everything else passes', () => {
    expect(infos('!ipa.CCM')).toEqual(['BSSMAP Reset', 'BSSMAP Reset Acknowledge']);
    expect(infos('ipa,!bssmap.Reset')).toHaveLength(7);
  });

  it('throws a typed FilterError for what it cannot read', () => {
    expect(() => parseFilter('tcap')).toThrow(FilterError);
    expect(() => parseFilter('tcap')).toThrow(/unknown protocol 'tcap' \(known: ipa, gsup/);
    expect(() => parseFilter('')).toThrow(expect.objectContaining({ code: 'empty' }));
    expect(() => parseFilter("dtap.'Location")).toThrow(expect.objectContaining({ code: 'syntax' }));
    expect(() => parseFilter('bssmap.')).toThrow(expect.objectContaining({ code: 'empty' }));
  });

  it('names DTAP messages by their PD too, and SMS by CP, RP and TPDU', () => {
    const fake = (info: string, tree: unknown, layers: string[]): Message =>
      ({ proto: 'ipa', tree, layers, info, bytes: new Uint8Array(0) }) as unknown as Message;
    const lu = fake('lu', { proto: 'SCCP', sccp: { type: 'DT1', bssap: { discriminator: 'dtap', dtap: { pd: 'mm', type: 'Location Updating Request' } } } }, ['IPA', 'SCCP', 'DTAP', 'MM']);
    const sms = fake('sms', { proto: 'SCCP', sccp: { type: 'DT1', bssap: { discriminator: 'dtap', dtap: { pd: 'sms', type: 'CP-DATA', ies: { rp: { type: 'RP-DATA', userData: { type: 'SMS-SUBMIT' } } } } } } }, ['IPA', 'SCCP', 'DTAP', 'SMS']);
    const f = (e: string) => [lu, sms].filter(parseFilter(e)).map((m) => m.info);
    expect(f('dtap.LocationUpdatingRequest')).toEqual(['lu']);
    expect(f('mm.location_updating_request')).toEqual(['lu']);
    expect(f('sms.SMS-SUBMIT')).toEqual(['sms']);
    expect(f('sms.rpdata')).toEqual(['sms']);
    expect(f('cc')).toEqual([]);
    expect(f('dtap')).toEqual(['lu', 'sms']);
  });
});

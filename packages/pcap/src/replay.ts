/**
 * `snaptel pcap replay`: resume an image, play the peers' side of a capture
 * at it on real sockets, and compare what the image answers with what the
 * capture says it answered.
 *
 * - Roles come from the protocols: the IPA client that carries SCCP is a BSC,
 *   the IPA server that carries GSUP is an HLR, the side that answers MGCP
 *   commands is a media gateway, the SMPP client is an ESME. The image is the
 *   other end of each.
 * - Time is virtual: the image runs with SNAPTEL_VIRTUAL_CLOCK and the
 *   replayer moves its clock to each captured message's time before playing
 *   it, so a timer that fired between two packets in the capture fires there
 *   again, whatever the machine's speed.
 * - What the image allocates afresh each run is mapped, not compared: SCCP
 *   local references, TMSIs, CC transaction identifiers, MGCP transaction and
 *   call identifiers, SMPP sequence numbers and message ids, RANDs (the SRES
 *   played back is computed for the image's RAND with the subscriber's Ki,
 *   found by the SRES the capture holds).
 * - AoIP (M3UA over SCTP) is played on a real SCTP association from user
 *   space (@snaptel/sctp-js-stub: raw IP, which needs root, or UDP
 *   encapsulation), each message on the stream and PPID it was captured on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { msAuthenticate, type Algo } from '@snaptel/auth';
import { request } from '@snaptel/image/tooling';
import { backendFor, type Association } from '@snaptel/sctp-js-stub';
import { decodeCapture } from './decode';
import { decodeStack, encodeStack } from './stack';
import type { AppProtocol, Conversation, Endpoint, Message } from './types';

export type Role = 'bsc' | 'hlr' | 'mgw' | 'esme';
export const ROLES: readonly Role[] = ['bsc', 'hlr', 'mgw', 'esme'];

export interface ReplayKey {
  imsi?: string;
  ki: string;
  algo: Algo;
  opc?: string;
}

export interface ReplayOptions {
  /** The capture (pcap or pcapng). */
  file: string;
  /** The image to resume. */
  image: string;
  /** Roles to play (default: every role the capture has). */
  as?: Role[];
  /** Captured address -> live address ('127.0.0.1:5000' -> '127.0.0.1:15000'), for an image on other ports than the capture's. */
  map?: Record<string, string>;
  /** Subscriber keys, to answer the image's fresh RANDs. */
  keys?: ReplayKey[];
  /** Real milliseconds to wait for each expected message (default 3000). */
  replyTimeoutMs?: number;
  /** Virtual milliseconds a timer may run late (default 500): after which an expected message is missing. */
  timerSlackMs?: number;
  /** Environment for the image (e.g. SNAPTEL_PATH). */
  env?: NodeJS.ProcessEnv;
  /** How an M3UA conversation's SCTP association is carried: 'raw' IP (default; root) or 'udp' encapsulation (RFC 6951, for an image whose SCTP is on UDP). */
  sctp?: 'raw' | 'udp';
  /** Code to evaluate in the image before replay starts (resumes it with --allow-eval): for tests that break it on purpose. */
  evalBefore?: string;
  /** Progress lines. */
  onLine?: (line: string) => void;
}

export interface Divergence {
  kind: 'missing' | 'unexpected' | 'different' | 'inconsistent-id';
  /** Capture frame of the expected message (the last captured message before, for 'unexpected'). */
  frame: number;
  /** Seconds into the capture. */
  at: number;
  conversation: string;
  expected?: string;
  got?: string;
  diffs: Array<{ path: string; expected: unknown; got: unknown }>;
  /** The messages before it on the same conversation, as the replay saw them. */
  context: string[];
}

export interface ReplayReport {
  capture: string;
  image: string;
  roles: Role[];
  conversations: Array<{ name: string; role: Role; played: boolean }>;
  played: number;
  expected: number;
  matched: number;
  divergences: Divergence[];
  /** How far the image's virtual clock moved during the replay. */
  virtualMs: number;
  realMs: number;
  /** The image's log, last lines. */
  log: string[];
}

// ---------------------------------------------------------------- the capture side

interface Step {
  i: number;
  m: Message;
  conv: Conv;
  fromImage: boolean;
  /** ms since the first message. */
  t: number;
  state: 'pending' | 'matched' | 'missing';
}

interface Conv {
  name: string;
  conv: Conversation;
  proto: AppProtocol;
  role: Role;
  /** The role's captured endpoint and the image's. */
  peer: Endpoint;
  image: Endpoint;
  /** Which conversation end the role is. */
  roleDir: 0 | 1;
  played: boolean;
  expect: Step[];
  history: string[];
  // live
  sock?: net.Socket;
  /** M3UA: the SCTP association to the image. */
  assoc?: Association;
  connecting?: Promise<void>;
  rx: Buffer;
  udpTo?: { address: string; port: number };
  lastRand?: { captured?: string; live?: string };
}

const ep = (e: Endpoint) => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);
const tsMs = (m: Message) => m.frame.sec * 1000 + m.frame.nsec / 1e6;

function roleOf(proto: AppProtocol, msgs: Message[]): { role: Role; roleDir: 0 | 1 } | undefined {
  switch (proto) {
    case 'ipa':
      // The role sits at the end that sends from it: a BSC is the IPA client (a), an HLR the server (b).
      return msgs.some((m) => m.layers.includes('GSUP')) ? { role: 'hlr', roleDir: 1 } : { role: 'bsc', roleDir: 0 };
    case 'smpp':
      return { role: 'esme', roleDir: 0 };
    case 'm3ua':
      return { role: 'bsc', roleDir: 0 };
    case 'mgcp': {
      const cmd = msgs.find((m) => m.tree?.type === 'command');
      if (!cmd) return undefined;
      // The image (a call agent) sends the commands; the gateway is the other end.
      return { role: 'mgw', roleDir: cmd.dir === 0 ? 1 : 0 };
    }
  }
}

/** Reads the capture and sorts its messages into conversations with roles. */
export function planReplay(file: string, as?: Role[]): { steps: Step[]; convs: Conv[]; problems: string[]; t0: number } {
  const all: Message[] = [];
  const problems: string[] = [];
  decodeCapture(file, { onMessage: (m) => all.push(m), onProblem: (p) => problems.push(`frame ${p.frame}: ${p.layer}: ${p.message}`) });
  const byConv = new Map<string, Message[]>();
  for (const m of all) {
    const k = `${m.conv.transport}:${m.conv.index}`;
    let l = byConv.get(k);
    if (!l) byConv.set(k, (l = []));
    l.push(m);
  }
  const convs = new Map<string, Conv>();
  for (const [k, msgs] of byConv) {
    const first = msgs[0]!;
    const r = roleOf(first.proto, msgs);
    if (!r) continue;
    const peer = r.roleDir === 0 ? first.conv.a : first.conv.b;
    const image = r.roleDir === 0 ? first.conv.b : first.conv.a;
    convs.set(k, {
      name: `${first.conv.transport} ${ep(peer)} (${r.role}) <-> ${ep(image)} (image)`,
      conv: first.conv,
      proto: first.proto,
      role: r.role,
      peer,
      image,
      roleDir: r.roleDir,
      played: !as || as.includes(r.role),
      expect: [],
      history: [],
      rx: Buffer.alloc(0),
    });
  }
  const t0 = all.length ? tsMs(all[0]!) : 0;
  const steps: Step[] = [];
  for (const m of all) {
    const c = convs.get(`${m.conv.transport}:${m.conv.index}`);
    if (!c || !c.played) continue;
    const s: Step = { i: steps.length, m, conv: c, fromImage: m.dir !== c.roleDir, t: tsMs(m) - t0, state: 'pending' };
    steps.push(s);
    if (s.fromImage) c.expect.push(s);
  }
  return { steps, convs: [...convs.values()], problems, t0 };
}

// ---------------------------------------------------------------- identifiers

type IdKind = 'sccpRef' | 'tmsi' | 'ti' | 'mgcpTid' | 'mgcpCall' | 'smppSeq' | 'smppMsgId' | 'rand';

/** Keys whose values the image chooses afresh: learned from its messages, mapped in ours. */
function idKindOf(key: string, parent: any, proto: AppProtocol): IdKind | undefined {
  switch (key) {
    case 'srcRef':
    case 'dstRef':
      return 'sccpRef';
    case 'tmsi':
      return 'tmsi';
    case 'ti':
      return parent && typeof parent.tiFlag === 'number' ? 'ti' : undefined;
    case 'transactionId':
      return proto === 'mgcp' ? 'mgcpTid' : undefined;
    case 'rand':
      return 'rand';
    case 'sequence_number':
    case 'sequence':
      return proto === 'smpp' ? 'smppSeq' : undefined;
    case 'message_id':
    case 'receipted_message_id':
      return proto === 'smpp' ? 'smppMsgId' : undefined;
    case 'value':
      return proto === 'mgcp' && parent?.name === 'C' ? 'mgcpCall' : undefined;
  }
  return undefined;
}

/** Whose value it is: the image's (learned from its messages) or the peer's (sent by us as captured). */
function imageOwns(kind: IdKind, key: string, parent: any, fromImage: boolean, root: any): boolean {
  switch (kind) {
    case 'sccpRef':
      // The image's own reference is the source reference in what it sends and the destination in what it receives.
      return fromImage ? key === 'srcRef' : key === 'dstRef';
    case 'tmsi':
    case 'rand':
    case 'mgcpCall':
      return true;
    case 'ti':
      // TI flag 0: sent by the side that allocated the transaction.
      return fromImage ? parent.tiFlag === 0 : parent.tiFlag === 1;
    case 'mgcpTid':
      return fromImage ? root?.type === 'command' : root?.type === 'response';
    case 'smppSeq': {
      const isResp = isSmppResponse(root);
      return fromImage ? !isResp : isResp;
    }
    case 'smppMsgId':
      return true;
  }
}

function isSmppResponse(root: any): boolean {
  const name = root?.command ?? root?.name ?? root?.commandName;
  if (typeof name === 'string') return name.endsWith('_resp') || name === 'generic_nack';
  const id = root?.command_id ?? root?.commandId;
  return typeof id === 'number' ? (id & 0x80000000) !== 0 : false;
}

/** Fields that differ every run for reasons the replay cannot map (derived from a fresh RAND, session versions). */
const VOLATILE = new Set(['encryptionInformation', 'kc128', 'kc', 'sessionId', 'sessionVersion', 'schedule_delivery_time', 'validity_period']);
/** Hex fields that a decoded sibling already shows. */
const INNER = ['gsup', 'mgcp', 'sccp', 'bssap', 'dtap', 'sms', 'tpdu', 'rp', 'cp', 'smpp'];

class Ids {
  private readonly maps = new Map<IdKind, Map<string, unknown>>();
  get(kind: IdKind, captured: unknown): unknown {
    return this.maps.get(kind)?.get(JSON.stringify(captured));
  }
  has(kind: IdKind, captured: unknown): boolean {
    return this.maps.get(kind)?.has(JSON.stringify(captured)) ?? false;
  }
  set(kind: IdKind, captured: unknown, live: unknown): void {
    let m = this.maps.get(kind);
    if (!m) this.maps.set(kind, (m = new Map()));
    m.set(JSON.stringify(captured), live);
  }
}

/** Compares what the capture expected with what the image sent; learns the image's identifiers on the way. */
function compare(
  ids: Ids,
  proto: AppProtocol,
  expected: any,
  got: any,
  out: Divergence['diffs'],
  idIssues: Divergence['diffs'],
  p = '',
  root = expected,
  parent: any = undefined,
  key = '',
): void {
  if (out.length > 12) return;
  const kind = key ? idKindOf(key, parent, proto) : undefined;
  if (kind && (typeof expected === 'number' || typeof expected === 'string') && imageOwns(kind, key, parent, true, root)) {
    if (!ids.has(kind, expected)) ids.set(kind, expected, got);
    else if (JSON.stringify(ids.get(kind, expected)) !== JSON.stringify(got))
      idIssues.push({ path: p, expected: `${String(expected)} (seen as ${JSON.stringify(ids.get(kind, expected))} earlier)`, got });
    return;
  }
  if (expected === null || typeof expected !== 'object' || got === null || typeof got !== 'object') {
    if (JSON.stringify(expected) !== JSON.stringify(got)) out.push({ path: p || '.', expected, got });
    return;
  }
  if (Array.isArray(expected) !== Array.isArray(got)) return void out.push({ path: p || '.', expected, got });
  const keys = new Set([...Object.keys(expected), ...Object.keys(got)]);
  const hasInner = INNER.some((k) => (expected[k] !== null && typeof expected[k] === 'object') || (got[k] !== null && typeof got[k] === 'object'));
  for (const k of keys) {
    if (VOLATILE.has(k)) continue;
    if (hasInner && (k === 'payload' || k === 'data') && typeof expected[k] === 'string') continue;
    compare(ids, proto, expected[k], got[k], out, idIssues, Array.isArray(expected) ? `${p}[${k}]` : `${p}.${k}`, root, expected, Array.isArray(expected) ? '' : k);
  }
}

/** Our message as captured, with the image's identifiers put in. Returns whether anything changed. */
function rewrite(ids: Ids, proto: AppProtocol, tree: any, root = tree): boolean {
  if (tree === null || typeof tree !== 'object') return false;
  let changed = false;
  for (const k of Object.keys(tree)) {
    const v = tree[k];
    if (v !== null && typeof v === 'object') {
      changed = rewrite(ids, proto, v, root) || changed;
      continue;
    }
    if (Array.isArray(tree)) continue;
    const kind = idKindOf(k, tree, proto);
    if (!kind || !imageOwns(kind, k, tree, false, root)) continue;
    if (ids.has(kind, v)) {
      const live = ids.get(kind, v);
      if (JSON.stringify(live) !== JSON.stringify(v)) {
        tree[k] = live;
        changed = true;
      }
    }
  }
  return changed;
}

/** Drops hex fields a decoded inner protocol stands for, so encodeStack re-encodes from the tree. */
function dropInnerHex(tree: any): void {
  if (tree === null || typeof tree !== 'object') return;
  for (const k of Object.keys(tree)) dropInnerHex(tree[k]);
  if (Array.isArray(tree)) return;
  if (INNER.some((k) => tree[k] !== null && typeof tree[k] === 'object'))
    for (const h of ['payload', 'data']) if (typeof tree[h] === 'string') delete tree[h];
}

function findKey(tree: any, key: string): any {
  if (tree === null || typeof tree !== 'object') return undefined;
  if (!Array.isArray(tree) && key in tree) return tree[key];
  for (const v of Object.values(tree)) {
    const r = findKey(v, key);
    if (r !== undefined) return r;
  }
  return undefined;
}

function setKey(tree: any, key: string, value: unknown): boolean {
  if (tree === null || typeof tree !== 'object') return false;
  if (!Array.isArray(tree) && key in tree) {
    tree[key] = value;
    return true;
  }
  return Object.values(tree).some((v) => setKey(v, key, value));
}

const kindOf = (info: string) => info.replace(/\S*\d\S*/g, '#');

// ---------------------------------------------------------------- the run

function framer(proto: AppProtocol): (buf: Buffer) => number {
  // Length of the first whole message in buf, or 0.
  if (proto === 'ipa') return (b) => (b.length >= 3 && b.length >= 3 + b.readUInt16BE(0) ? 3 + b.readUInt16BE(0) : 0);
  if (proto === 'smpp') return (b) => (b.length >= 4 && b.length >= b.readUInt32BE(0) && b.readUInt32BE(0) >= 16 ? b.readUInt32BE(0) : 0);
  return (b) => b.length;
}

function parseAddr(s: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
  if (!m) throw new Error(`not host:port: '${s}'`);
  return { host: m[1]!, port: Number(m[2]) };
}

export class ReplayError extends Error {
  override name = 'ReplayError';
}

export async function replay(o: ReplayOptions): Promise<ReplayReport> {
  const began = Date.now();
  const say = o.onLine ?? (() => {});
  const replyTimeoutMs = o.replyTimeoutMs ?? 3000;
  const slack = o.timerSlackMs ?? 500;
  for (const r of o.as ?? []) if (!ROLES.includes(r)) throw new ReplayError(`--as ${r}: not a role (bsc, hlr, mgw, esme)`);
  if (!fs.existsSync(o.image)) throw new ReplayError(`no image at ${o.image}`);
  const { steps, convs, problems, t0 } = planReplay(o.file, o.as);
  for (const p of problems) say(`capture: ${p}`);
  const played = convs.filter((c) => c.played);
  if (!played.length)
    throw new ReplayError(`${o.file}: no conversation to play${o.as ? ` as ${o.as.join(',')}` : ''} (found: ${convs.map((c) => c.role).join(', ') || 'no signalling'})`);
  const mapped = (e: Endpoint) => parseAddr(o.map?.[ep(e)] ?? ep(e));
  const ids = new Ids();
  const divergences: Divergence[] = [];
  const log: string[] = [];
  const diverge = (d: Divergence) => {
    divergences.push(d);
    say(formatDivergence(d, divergences.length));
  };

  // Our servers first (the image connects to its HLR and sends to its MGW as soon as it runs).
  const servers: net.Server[] = [];
  const udps: dgram.Socket[] = [];
  const onLive = (c: Conv, bytes: Buffer) => received(c, bytes);
  const serverConvs = new Map<string, Conv[]>();
  for (const c of played) if (c.role === 'hlr' || c.role === 'mgw') {
    const k = `${c.role} ${ep(c.peer)}`;
    serverConvs.set(k, [...(serverConvs.get(k) ?? []), c]);
  }
  for (const [k, cs] of serverConvs) {
    const at = mapped(cs[0]!.peer);
    if (cs[0]!.role === 'hlr') {
      const queue = [...cs];
      const srv = net.createServer((sock) => {
        const c = queue.shift();
        if (!c) return void sock.destroy();
        attach(c, sock);
      });
      await new Promise<void>((res, rej) => srv.once('error', rej).listen(at.port, at.host, () => res()));
      servers.push(srv);
    } else {
      const u = dgram.createSocket(at.host.includes(':') ? 'udp6' : 'udp4');
      const byPeer = new Map<string, Conv>();
      const queue = [...cs];
      u.on('message', (b, rinfo) => {
        const key = `${rinfo.address}:${rinfo.port}`;
        let c = byPeer.get(key);
        if (!c) {
          c = queue.shift();
          if (!c) return;
          byPeer.set(key, c);
        }
        c.udpTo = { address: rinfo.address, port: rinfo.port };
        onLive(c, b);
      });
      await new Promise<void>((res, rej) => u.once('error', rej).bind(at.port, at.host, () => res()));
      udps.push(u);
    }
    say(`playing ${k} on ${at.host}:${at.port}`);
  }

  function attach(c: Conv, sock: net.Socket): void {
    c.sock = sock;
    const frame = framer(c.proto);
    sock.on('data', (d: Buffer) => {
      c.rx = c.rx.length ? Buffer.concat([c.rx, d]) : d;
      for (let n = frame(c.rx); n > 0; n = frame(c.rx)) {
        const one = Buffer.from(c.rx.subarray(0, n));
        c.rx = c.rx.subarray(n);
        onLive(c, one);
      }
    });
    sock.on('error', () => {});
  }

  // The image, on a virtual clock.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-replay-'));
  const control = path.join(dir, 'control.sock');
  const launcher = path.join(path.dirname(require.resolve('@snaptel/image/package.json')), 'bin', 'snaptel');
  const child: ChildProcess = spawn(launcher, ['run', o.image, '--control', control, ...(o.evalBefore ? ['--allow-eval'] : [])], {
    // The image lives at the capture's time: timestamps it writes (an SMS's SCTS) come out as captured.
    env: { ...process.env, ...o.env, SNAPTEL_VIRTUAL_CLOCK: String(Math.floor(t0)), NOTIFY_SOCKET: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => {
    for (const l of d.toString().split('\n')) if (l) log.push(l);
    if (log.length > 400) log.splice(0, log.length - 400);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let vnow = 0;
  let vstart = 0;
  try {
    const until = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new ReplayError(`the image exited (${child.exitCode}) before it was ready:\n${log.slice(-15).join('\n')}`);
      try {
        const r = await request(control, 'clock', {}, 2000);
        if (!r.ok) throw new ReplayError(`the image's clock: ${r.error?.message}`);
        vnow = r.result.now;
        break;
      } catch (err) {
        if (err instanceof ReplayError) throw err;
        if (Date.now() > until) throw new ReplayError(`the image did not open its control socket within 20 s:\n${log.slice(-15).join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (o.evalBefore) {
      const r = await request(control, 'eval', { code: o.evalBefore }, 10_000);
      if (!r.ok) throw new ReplayError(`evalBefore: ${r.error?.message}`);
    }
    const v0 = (vstart = vnow);
    say(`image resumed on a virtual clock at ${new Date(v0).toISOString()}; ${steps.length} messages on ${played.length} conversation(s)`);
    const advance = async (to: number) => {
      if (to <= vnow) return;
      const r = await request(control, 'clock', { to }, 30_000);
      if (!r.ok) throw new ReplayError(`advancing the image's clock: ${r.error?.message}`);
      vnow = r.result.now;
    };

    // Waits for an expected message; nudges the clock by the slack when it is late (a timer armed a little later than in the capture).
    const settle = async (s: Step) => {
      if (s.state !== 'pending') return;
      const t = Date.now() + replyTimeoutMs;
      let nudged = false;
      while (s.state === 'pending') {
        if (Date.now() > t) {
          s.state = 'missing';
          diverge({
            kind: 'missing',
            frame: s.m.frame.n,
            at: s.t / 1000,
            conversation: s.conv.name,
            expected: s.m.info,
            diffs: [],
            context: s.conv.history.slice(-6),
          });
          s.conv.history.push(`  frame ${s.m.frame.n}  image > ${s.conv.role}  ${s.m.info}   (MISSING)`);
          break;
        }
        await new Promise((r) => setTimeout(r, replyTimeoutMs / 30 > 20 ? 20 : 5));
        if (!nudged && Date.now() > t - replyTimeoutMs / 2) {
          nudged = true;
          await advance(v0 + s.t + slack);
        }
      }
    };

    // Before each message: every answer the capture shows before it has come (or is missing); then the clock moves to its time.
    let settled = 0;
    for (const s of steps) {
      for (; settled < s.i; settled++) if (steps[settled]!.fromImage) await settle(steps[settled]!);
      await advance(v0 + s.t);
      // A client role opens its connection when the capture's conversation begins, whoever speaks first.
      if (!s.conv.sock && !s.conv.assoc && !s.conv.connecting && (s.conv.role === 'bsc' || s.conv.role === 'esme')) await connect(s.conv);
      if (s.fromImage) continue;
      await send(s);
    }
    for (const e of steps) if (e.fromImage) await settle(e);
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    // SCTP associations first, while the image is there to answer the SHUTDOWN.
    await Promise.all(played.map((c) => (c.assoc && c.assoc.state === 'up' ? Promise.race([c.assoc.close(), new Promise((r) => setTimeout(r, 1000))]) : undefined)));
    for (const c of played) if (c.assoc && c.assoc.state !== 'down') c.assoc.abort('replay over');
    try {
      await request(control, 'stop', {}, 5000);
    } catch {
      child.kill('SIGTERM');
    }
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
    for (const c of played) c.sock?.destroy();
    for (const s of servers) s.close();
    for (const u of udps) u.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  async function send(s: Step): Promise<void> {
    const c = s.conv;
    let bytes: Uint8Array = s.m.bytes;
    // What we play is uplink (BSC to MSC) or not DTAP at all.
    const d = decodeStack(c.proto, s.m.bytes, false);
    if (d.tree && !d.error) {
      const tree = JSON.parse(JSON.stringify(d.tree));
      let changed = rewrite(ids, c.proto, tree);
      // SRES for the image's RAND, with the key that gives the captured SRES for the captured RAND.
      const sres = d.info.includes('Authentication Response') ? findKey(tree, 'sres') : undefined;
      if (typeof sres === 'string' && c.lastRand?.captured && c.lastRand.live && c.lastRand.captured !== c.lastRand.live) {
        const k = (o.keys ?? []).find((k) => hex(msAuthenticate(sim(k), Buffer.from(c.lastRand!.captured!, 'hex')).sres) === sres.toLowerCase());
        if (!k) say(`frame ${s.m.frame.n}: the image sent a fresh RAND and no key given (--keys) gives the captured SRES: playing it as captured`);
        else {
          setKey(tree, 'sres', hex(msAuthenticate(sim(k), Buffer.from(c.lastRand.live, 'hex')).sres));
          changed = true;
        }
      }
      if (changed) {
        dropInnerHex(tree);
        bytes = encodeStack(c.proto, tree);
      }
    }
    c.history.push(`  frame ${s.m.frame.n}  ${c.role} > image  ${s.m.info}`);
    if (c.proto === 'mgcp') {
      const u = udps[0];
      if (!u || !c.udpTo) return void say(`frame ${s.m.frame.n}: nothing came from the image to answer yet; not sent`);
      u.send(bytes, c.udpTo.port, c.udpTo.address);
      return;
    }
    if (c.proto === 'm3ua') {
      if (!c.assoc) await connect(c);
      if (c.assoc!.state !== 'up') return void say(`frame ${s.m.frame.n}: the SCTP association to the image is ${c.assoc!.state}; not sent`);
      c.assoc!.send(bytes, { stream: s.m.sctp?.stream ?? 0, ppid: s.m.sctp?.ppid || 3 });
      return;
    }
    if (!c.sock) {
      if (c.role === 'hlr') {
        const until = Date.now() + replyTimeoutMs;
        while (!c.sock && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        if (!c.sock) return void say(`frame ${s.m.frame.n}: the image never connected to the ${c.role}; not sent`);
      } else await connect(c);
    }
    c.sock!.write(bytes);
  }

  async function connect(c: Conv): Promise<void> {
    const to = mapped(c.image);
    if (c.proto === 'm3ua') {
      const backend = backendFor({ backend: 'sctp', transport: o.sctp ?? 'raw' });
      let a: Association;
      try {
        const p = backend.connect({ host: to.host, port: to.port, localHost: mapped(c.peer).host, timeoutMs: 5000 });
        c.connecting = p.then(() => undefined);
        a = await p;
      } catch (err) {
        const e = err as Error & { code?: string };
        const hint = e.code === 'permission' ? ' (SCTP over raw IP needs root, or CAP_NET_RAW)' : '';
        throw new ReplayError(`${c.name}: cannot make an SCTP association with the image at ${to.host}:${to.port}: ${e.message}${hint}`);
      }
      c.assoc = a;
      a.on('message', (m) => onLive(c, Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength)));
      a.on('down', (why) => c.history.push(`  (live)  SCTP association down: ${why}`));
      return;
    }
    const sock = net.connect(to.port, to.host);
    c.connecting = new Promise<void>((res, rej) => sock.once('connect', () => res()).once('error', rej));
    await c.connecting.catch((err: Error) => {
      throw new ReplayError(`${c.name}: cannot connect to the image at ${to.host}:${to.port}: ${err.message}`);
    });
    attach(c, sock);
  }

  function received(c: Conv, bytes: Buffer): void {
    const live = decodeStack(c.proto, bytes, c.role === 'bsc');
    const pending = c.expect.filter((e) => e.state === 'pending').slice(0, 4);
    const want = kindOf(live.info);
    const s = pending.find((e) => kindOf(e.m.info) === want);
    if (!s) {
      const last = c.history.length;
      diverge({
        kind: 'unexpected',
        frame: pending[0]?.m.frame.n ?? 0,
        at: pending[0] ? pending[0].t / 1000 : 0,
        conversation: c.name,
        expected: pending[0]?.m.info ?? '(nothing more)',
        got: live.info,
        diffs: [],
        context: c.history.slice(Math.max(0, last - 6)),
      });
      c.history.push(`  (live)  image > ${c.role}  ${live.info}   (UNEXPECTED)`);
      return;
    }
    s.state = 'matched';
    const exp = decodeStack(c.proto, s.m.bytes, c.role === 'bsc');
    const rand = findKey(exp.tree, 'rand');
    if (typeof rand === 'string') c.lastRand = { captured: rand, live: findKey(live.tree, 'rand') };
    const diffs: Divergence['diffs'] = [];
    const idIssues: Divergence['diffs'] = [];
    compare(ids, c.proto, exp.tree, live.tree, diffs, idIssues);
    const context = c.history.slice(-6);
    c.history.push(`  frame ${s.m.frame.n}  image > ${c.role}  ${s.m.info}${diffs.length ? '   (DIFFERENT)' : ''}`);
    if (diffs.length) diverge({ kind: 'different', frame: s.m.frame.n, at: s.t / 1000, conversation: c.name, expected: s.m.info, got: live.info, diffs, context });
    if (idIssues.length)
      diverge({ kind: 'inconsistent-id', frame: s.m.frame.n, at: s.t / 1000, conversation: c.name, expected: s.m.info, got: live.info, diffs: idIssues, context });
  }

  const expected = steps.filter((s) => s.fromImage).length;
  return {
    capture: o.file,
    image: o.image,
    roles: [...new Set(played.map((c) => c.role))],
    conversations: convs.map((c) => ({ name: c.name, role: c.role, played: c.played })),
    played: steps.length - expected,
    expected,
    matched: steps.filter((s) => s.state === 'matched').length,
    divergences,
    virtualMs: vnow - vstart,
    realMs: Date.now() - began,
    log,
  };
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function sim(k: ReplayKey) {
  return { algo: k.algo, ki: Buffer.from(k.ki, 'hex'), ...(k.opc ? { opc: Buffer.from(k.opc, 'hex') } : {}) };
}

export function formatDivergence(d: Divergence, n: number): string {
  const lines = [`divergence ${n}: ${d.kind} at frame ${d.frame} (+${d.at.toFixed(3)} s) on ${d.conversation}`];
  if (d.kind === 'missing') lines.push(`  expected ${d.expected}; the image sent nothing`);
  else if (d.kind === 'unexpected') lines.push(`  the image sent ${d.got}; the capture has ${d.expected} next`);
  else lines.push(`  ${d.expected}${d.got !== d.expected ? ` / image: ${d.got}` : ''}`);
  for (const x of d.diffs) lines.push(`    ${x.path}: capture ${JSON.stringify(x.expected)}, image ${JSON.stringify(x.got)}`);
  if (d.context.length) lines.push('  before it:', ...d.context.map((l) => `  ${l}`));
  return lines.join('\n');
}

export function formatReplay(r: ReplayReport): string {
  const lines = [
    `replay of ${r.capture} against ${r.image} as ${r.roles.join(', ')}:`,
    ...r.conversations.map((c) => `  ${c.played ? 'played ' : 'skipped'} ${c.name}`),
    `${r.played} message(s) played, ${r.matched}/${r.expected} answer(s) as captured, ${r.divergences.length} divergence(s); ${(r.realMs / 1000).toFixed(1)} s real`,
  ];
  return lines.join('\n') + '\n';
}

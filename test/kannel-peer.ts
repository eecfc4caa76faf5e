import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePorts, sleep } from './helpers';

/**
 * Kannel (Debian package `kannel`: bearerbox + smsbox) as an SMPP 3.4 ESME
 * towards an SMSC under test. A kannel.conf is written into a test
 * directory: core (admin, smsbox and sendsms ports on free 127.0.0.1 ports,
 * logs in the directory, no message store, internal DLR storage), one
 * `smsc = smpp` group towards the SMSC, an smsbox with a sendsms-user, and a
 * catch-all sms-service whose get-url, like every dlr-url, points at an HTTP
 * listener the harness runs on 127.0.0.1. bearerbox and smsbox run in the
 * foreground as child processes; `stop()` kills both.
 */

function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export const bearerboxPath = findBinary('bearerbox');
export const smsboxPath = findBinary('smsbox');
/** bearerbox and smsbox are on PATH or in /usr/sbin. */
export const kannelAvailable = bearerboxPath !== undefined && smsboxPath !== undefined;

export interface KannelOptions {
  /** Directory for kannel.conf and the logs (the caller creates and removes it). */
  dir: string;
  smscHost: string;
  smscPort: number;
  systemId: string;
  password: string;
  /** smsc group `system-type` (Kannel refuses to start without one); default 'VMA'. */
  systemType?: string;
  /** One transceiver bind (default), or a transmitter on smscPort and a receiver on the same port. */
  transceiver?: boolean;
  /** smsc group `msg-id-type` (bit 0: submit_sm_resp id in hex, bit 1: deliver_sm id in hex); unset: ids compared as strings. */
  msgIdType?: number;
  /** smsc group `enquire-link-interval` in seconds; default 2. */
  enquireLinkInterval?: number;
  /** smsc group `reconnect-delay` in seconds; default 1. */
  reconnectDelay?: number;
  /** core `sms-resend-freq`: seconds before a temporarily failed message is sent again; default 1. */
  resendFreq?: number;
  /** smsc-id of the connection; default 'snaptel'. */
  smscId?: string;
  /** Further `key = value` lines for the smsc group. */
  smscExtra?: Record<string, string | number>;
  /** How long start() waits for the bind and the smsbox; default 15 000 ms. */
  startTimeoutMs?: number;
}

export interface KannelDlr {
  /** Our correlation id (the one sendSms returned). */
  id: string;
  /** %d: 1 delivered, 2 failed, 4 buffered, 8 SMSC accepted, 16 SMSC rejected. */
  type: number;
  /** %i: smsc-id. */
  smscId?: string;
  /** %A: the SMSC's answer (the submit_sm_resp status or the receipt text). */
  answer?: string;
  /** %F: the SMSC's message id. */
  foreignId?: string;
  /** %p / %P of the DLR message (the original destination / source). */
  from?: string;
  to?: string;
  query: Record<string, string>;
}

export interface KannelMo {
  /** %p: the sender. */
  from: string;
  /** %P: the receiver. */
  to: string;
  /** The text, decoded from %b with %c (UCS2 for coding 2, else UTF-8 as Kannel keeps 7-bit text). */
  text: string;
  /** %c: 0 7-bit, 1 8-bit, 2 UCS2. */
  coding?: number;
  /** %C: the charset Kannel names. */
  charset?: string;
  /** %b as octets. */
  binary: Buffer;
  /** %u: UDH (hex as Kannel formats it). */
  udh?: string;
  smscId?: string;
  query: Record<string, string>;
}

/** One PDU from bearerbox's log dump. */
export interface KannelPdu {
  dir: 'sent' | 'got';
  /** submit_sm, deliver_sm_resp, enquire_link... */
  type: string;
  fields: Record<string, string>;
}

export interface SendSmsOptions {
  from: string;
  to: string;
  text: string;
  /** sendsms `coding`: 0 7-bit (default), 1 8-bit, 2 UCS2. */
  coding?: 0 | 1 | 2;
  /** sendsms `dlr-mask`: 1 delivered, 2 failed, 4 buffered, 8 SMSC ack, 16 SMSC nack; default 31. 0: no DLR asked. */
  dlrMask?: number;
  /** Further sendsms CGI parameters (validity, deferred, mclass, alt-dcs, pid, rpi, udh, smsc...), sent as given. */
  extra?: Record<string, string | number | Buffer>;
}

/** Percent-decoding to octets ('+' is a space): URLSearchParams would read the octets as UTF-8. */
function percentDecode(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '+') out.push(0x20);
    else out.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(out);
}

function rawQuery(url: string): Record<string, Buffer> {
  const q = url.indexOf('?');
  const out: Record<string, Buffer> = {};
  if (q < 0) return out;
  for (const part of url.slice(q + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = percentDecode(eq < 0 ? part : part.slice(0, eq)).toString('utf8');
    out[k] = percentDecode(eq < 0 ? '' : part.slice(eq + 1));
  }
  return out;
}

function ucs2be(b: Buffer): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b.readUInt16BE(i));
  return s;
}

const live = new Set<ChildProcess>();
let exitHook = false;
function track(p: ChildProcess): void {
  live.add(p);
  p.once('exit', () => live.delete(p));
  if (!exitHook) {
    exitHook = true;
    // A crashed test run must not leave boxes behind.
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

function tail(file: string, bytes = 6000): string {
  try {
    const t = fs.readFileSync(file, 'latin1');
    return t.length > bytes ? `…${t.slice(-bytes)}` : t;
  } catch {
    return '(no file)';
  }
}

function httpGet(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

export class KannelPeer {
  readonly dlrs: KannelDlr[] = [];
  readonly mo: KannelMo[] = [];
  /** Every request smsbox made to the harness's listener (path and query). */
  readonly requests: string[] = [];
  private bearerbox: ChildProcess | undefined;
  private smsbox: ChildProcess | undefined;
  private output = { bearerbox: '', smsbox: '' };
  private seq = 0;
  private stopped = false;

  private constructor(
    readonly o: KannelOptions,
    readonly ports: { admin: number; smsbox: number; sendsms: number; http: number },
    readonly secrets: { admin: string; user: string; userPassword: string },
    private readonly server: http.Server,
  ) {}

  get conf(): string {
    return path.join(this.o.dir, 'kannel.conf');
  }
  get smscId(): string {
    return this.o.smscId ?? 'snaptel';
  }

  /** Writes kannel.conf, starts bearerbox then smsbox, waits until the SMPP link is online and smsbox is connected. */
  static async start(o: KannelOptions): Promise<KannelPeer> {
    if (!kannelAvailable) throw new Error('kannel not installed (apt-get install kannel): bearerbox/smsbox not found in PATH or /usr/sbin');
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const [admin, smsbox, sendsms] = await freePorts(3);
    const rnd = () => Math.random().toString(36).slice(2, 10);
    const k = new KannelPeer(o, { admin: admin!, smsbox: smsbox!, sendsms: sendsms!, http: (server.address() as net.AddressInfo).port }, { admin: rnd(), user: 'tester', userPassword: rnd() }, server);
    server.on('request', (req, res) => k.onRequest(req, res));
    try {
      fs.writeFileSync(k.conf, k.config());
      await k.launch(o.startTimeoutMs ?? 15_000);
    } catch (e) {
      const logs = k.logs();
      await k.stop();
      throw new Error(`${(e as Error).message}\n${logs}`);
    }
    return k;
  }

  /** The kannel.conf text. */
  config(): string {
    const o = this.o;
    const d = o.dir;
    const q = (v: string | number) => (typeof v === 'number' ? String(v) : `"${v.replace(/["\\]/g, '\\$&')}"`);
    const group = (name: string, kv: Record<string, string | number | boolean | undefined>) =>
      [`group = ${name}`, ...Object.entries(kv).filter(([, v]) => v !== undefined).map(([key, v]) => `${key} = ${typeof v === 'boolean' ? String(v) : q(v as string | number)}`), ''].join('\n');
    const transceiver = o.transceiver ?? true;
    const base = `http://127.0.0.1:${this.ports.http}`;
    return [
      group('core', {
        'admin-port': this.ports.admin,
        'admin-interface': '127.0.0.1',
        'admin-password': this.secrets.admin,
        'status-password': this.secrets.admin,
        'admin-allow-ip': '127.0.0.1',
        'smsbox-port': this.ports.smsbox,
        'smsbox-interface': '127.0.0.1',
        'box-allow-ip': '127.0.0.1',
        'log-file': path.join(d, 'bearerbox.log'),
        'log-level': 0,
        'access-log': path.join(d, 'access.log'),
        'dlr-storage': 'internal',
        // A temporary failure (ESME_RTHROTTLED, ESME_RMSGQFUL...) is retried after this many seconds (Kannel's default: 60).
        'sms-resend-freq': o.resendFreq ?? 1,
      }),
      // One transceiver; or (transceiver: false) a transmitter group and a receiver group with the same
      // smsc-id, since Kannel 1.4.5 refuses port and receive-port equal in one group.
      ...(transceiver ? [{ port: o.smscPort, 'receive-port': 0 }] : [{ port: o.smscPort, 'receive-port': 0 }, { port: 0, 'receive-port': o.smscPort }]).map((ports) =>
        group('smsc', {
          smsc: 'smpp',
          'smsc-id': this.smscId,
          host: o.smscHost,
          ...ports,
          'transceiver-mode': transceiver,
          'smsc-username': o.systemId,
          'smsc-password': o.password,
          'system-type': o.systemType ?? 'VMA',
          'msg-id-type': o.msgIdType,
          'enquire-link-interval': o.enquireLinkInterval ?? 2,
          'reconnect-delay': o.reconnectDelay ?? 1,
          ...o.smscExtra,
        }),
      ),
      group('smsbox', {
        'bearerbox-host': '127.0.0.1',
        'sendsms-port': this.ports.sendsms,
        'sendsms-interface': '127.0.0.1',
        'log-file': path.join(d, 'smsbox.log'),
        'log-level': 0,
      }),
      group('sendsms-user', {
        username: this.secrets.user,
        password: this.secrets.userPassword,
        'max-messages': 10,
        concatenation: true,
      }),
      group('sms-service', {
        keyword: 'default',
        'catch-all': true,
        'get-url': `${base}/mo?from=%p&to=%P&bin=%b&coding=%c&charset=%C&udh=%u&smsc=%i&time=%T`,
        'max-messages': 0,
        'omit-empty': true,
      }),
    ].join('\n');
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    this.requests.push(url);
    const raw = rawQuery(url);
    const query = Object.fromEntries(Object.entries(raw).map(([key, v]) => [key, v.toString('utf8')]));
    const num = (s: string | undefined) => (s !== undefined && /^-?\d+$/.test(s) ? Number(s) : undefined);
    const opt = (s: string | undefined) => (s === undefined || s === '' ? undefined : s);
    if (url.startsWith('/dlr?')) {
      this.dlrs.push({
        id: query.id ?? '',
        type: num(query.type) ?? -1,
        smscId: opt(query.smsc),
        answer: opt(query.answer),
        foreignId: opt(query.fid),
        from: opt(query.from),
        to: opt(query.to),
        query,
      });
    } else if (url.startsWith('/mo?')) {
      const coding = num(query.coding);
      const binary = raw.bin ?? Buffer.alloc(0);
      this.mo.push({
        from: query.from ?? '',
        to: query.to ?? '',
        text: coding === 2 ? ucs2be(binary) : binary.toString('utf8'),
        coding,
        charset: opt(query.charset),
        binary,
        udh: opt(query.udh),
        smscId: opt(query.smsc),
        query,
      });
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('');
  }

  private spawnBox(which: 'bearerbox' | 'smsbox'): ChildProcess {
    const bin = which === 'bearerbox' ? bearerboxPath! : smsboxPath!;
    // -v 1: info and up on stderr; the log files get everything (log-level 0, PDU dumps included).
    const p = spawn(bin, ['-v', '1', this.conf], { cwd: this.o.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    track(p);
    const add = (d: Buffer) => {
      this.output[which] += d.toString('latin1');
      if (this.output[which].length > 200_000) this.output[which] = this.output[which].slice(-100_000);
    };
    p.stdout!.on('data', add);
    p.stderr!.on('data', add);
    p.on('error', (e) => (this.output[which] += `spawn error: ${e.message}\n`));
    return p;
  }

  private async launch(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    this.bearerbox = this.spawnBox('bearerbox');
    const alive = async (p: ChildProcess | undefined, name: string) => {
      if (!p || p.exitCode !== null || p.signalCode !== null) {
        await sleep(200); // let its last output arrive
        throw new Error(`${name} exited (${p?.exitCode ?? p?.signalCode})`);
      }
    };
    while (!(await canConnect(this.ports.admin))) {
      await alive(this.bearerbox, 'bearerbox');
      if (Date.now() > end) throw new Error('bearerbox admin port did not open');
      await sleep(50);
    }
    this.smsbox = this.spawnBox('smsbox');
    for (;;) {
      await alive(this.bearerbox, 'bearerbox');
      await alive(this.smsbox, 'smsbox');
      const s = await this.status().catch(() => '');
      const smscs = this.smscXml(s);
      if (smscs.length > 0 && smscs.every((x) => /<status>online/.test(x)) && /<type>smsbox<\/type>/.test(s) && (await canConnect(this.ports.sendsms))) return;
      if (Date.now() > end) throw new Error(`kannel did not come up in ${timeoutMs} ms (SMPP bound to ${this.o.smscHost}:${this.o.smscPort} and smsbox connected)`);
      await sleep(100);
    }
  }

  /** bearerbox's status.xml. */
  async status(): Promise<string> {
    const r = await httpGet(`http://127.0.0.1:${this.ports.admin}/status.xml?password=${this.secrets.admin}`);
    if (r.status !== 200) throw new Error(`status.xml: HTTP ${r.status}: ${r.body}`);
    return r.body;
  }

  /** The <smsc> entries of status.xml (two when transceiver is false). */
  private smscXml(status: string): string[] {
    return status.match(/<smsc>[\s\S]*?<\/smsc>/g) ?? [];
  }

  /** Each SMSC connection's status word from bearerbox's status page: 'online', 'connecting', 're-connecting', 'dead'... */
  async smscStates(): Promise<string[]> {
    return this.smscXml(await this.status()).map((x) => /<status>([a-z-]+)/.exec(x)?.[1] ?? 'unknown');
  }

  /** True when every SMSC connection (the transceiver, or the transmitter and the receiver) is online. */
  async smscOnline(): Promise<boolean> {
    const states = await this.smscStates().catch(() => []);
    return states.length > 0 && states.every((x) => x === 'online');
  }

  /** Sends through smsbox's sendsms interface, asking for DLRs (dlrMask, default 31) at the harness's /dlr with our id. */
  async sendSms(o: SendSmsOptions): Promise<{ id: string; httpStatus: number; body: string }> {
    const id = `k${++this.seq}-${Math.random().toString(36).slice(2, 8)}`;
    const mask = o.dlrMask ?? 31;
    const dlrUrl = `http://127.0.0.1:${this.ports.http}/dlr?id=${id}&type=%d&smsc=%i&answer=%A&fid=%F&from=%p&to=%P&time=%T`;
    const params: [string, string][] = [
      ['username', this.secrets.user],
      ['password', this.secrets.userPassword],
      ['smsc', this.smscId],
      ['from', o.from],
      ['to', o.to],
      ['text', o.text],
      ['charset', 'UTF-8'],
      ['coding', String(o.coding ?? 0)],
    ];
    if (mask) params.push(['dlr-mask', String(mask)], ['dlr-url', dlrUrl]);
    const qs = [
      ...params.map(([key, v]) => `${key}=${encodeURIComponent(v)}`),
      // A Buffer (udh, binary text) goes octet by octet.
      ...Object.entries(o.extra ?? {}).map(([key, v]) => `${key}=${Buffer.isBuffer(v) ? [...v].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('') : encodeURIComponent(String(v))}`),
    ].join('&');
    const r = await httpGet(`http://127.0.0.1:${this.ports.sendsms}/cgi-bin/sendsms?${qs}`, 10_000);
    return { id, httpStatus: r.status, body: r.body };
  }

  /** Waits (bounded) for pred(); throws with `what` and the log tails. */
  async waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.logs()}`);
      await sleep(25);
    }
  }

  /** bearerbox.log (PDU dumps at log-level 0). */
  bearerboxLog(): string {
    try {
      return fs.readFileSync(path.join(this.o.dir, 'bearerbox.log'), 'latin1');
    } catch {
      return '';
    }
  }

  /**
   * The SMPP PDUs in bearerbox.log (its log-level 0 dumps), in order: what
   * Kannel sent ('sent', enquire_link included) and what it got, with the
   * dumped fields as text (numbers as decimal, strings unquoted, octet
   * strings as hex).
   */
  pdus(): KannelPdu[] {
    const out: KannelPdu[] = [];
    let cur: KannelPdu | undefined;
    let octets: string[] | undefined;
    let octetKey = '';
    let thread = '';
    for (const line of this.bearerboxLog().split('\n')) {
      // "date time [pid] [thread] DEBUG: text": a dump comes from one thread; others interleave.
      const m = /(\[\d+\] \[\d+\]) DEBUG: (.*)$/.exec(line);
      if (!m) continue;
      const t = m[2]!;
      const head = /^SMPP\[[^\]]*\]: (Sending PDU|Sending enquire link|Got PDU):$/.exec(t);
      if (head) {
        cur = { dir: head[1] === 'Got PDU' ? 'got' : 'sent', type: '', fields: {} };
        thread = m[1]!;
        octets = undefined;
        out.push(cur);
        continue;
      }
      if (!cur || m[1] !== thread) continue;
      if (t === 'SMPP PDU dump ends.') {
        cur = undefined;
        continue;
      }
      if (octets) {
        const d = /^\s+data: ((?:[0-9a-f]{2} )+)/.exec(t);
        if (d) octets.push(d[1]!.replace(/ /g, ''));
        else if (/Octet string dump ends/.test(t)) {
          cur.fields[octetKey] = octets.join('');
          octets = undefined;
        }
        continue;
      }
      const f = /^\s{2}([a-z_]+): ?(.*)$/.exec(t);
      if (!f) continue;
      const [, key, value] = f as unknown as [string, string, string];
      if (key === 'type_name') cur.type = value;
      else if (value === '') {
        octets = [];
        octetKey = key;
      } else cur.fields[key] = value.replace(/^"(.*)"$/, '$1').replace(/^(\d+) = 0x[0-9a-f]+$/, '$1');
    }
    return out;
  }

  /** Process ids of bearerbox and smsbox (undefined when not started). */
  get pids(): { bearerbox?: number; smsbox?: number } {
    return { bearerbox: this.bearerbox?.pid, smsbox: this.smsbox?.pid };
  }

  /** Tails of both boxes' logs and their stderr, for error messages. */
  logs(): string {
    const d = this.o.dir;
    const out = (s: string) => (s.length > 3000 ? `…${s.slice(-3000)}` : s);
    return [
      `--- bearerbox.log (tail) ---\n${tail(path.join(d, 'bearerbox.log'))}`,
      `--- smsbox.log (tail) ---\n${tail(path.join(d, 'smsbox.log'))}`,
      `--- bearerbox stderr ---\n${out(this.output.bearerbox)}`,
      `--- smsbox stderr ---\n${out(this.output.smsbox)}`,
    ].join('\n');
  }

  /** Kills smsbox and bearerbox (SIGTERM, SIGKILL after 3 s) and closes the HTTP listener; safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const kill = async (p: ChildProcess | undefined) => {
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      if (!(await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]))) {
        p.kill('SIGKILL');
        await Promise.race([exited, sleep(3000)]);
      }
    };
    await kill(this.smsbox);
    await kill(this.bearerbox);
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

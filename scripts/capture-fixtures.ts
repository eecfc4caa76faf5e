/**
 * scripts/capture-fixtures [NAME...]: captures, on loopback, the snaptel MSC
 * image talking to real Osmocom daemons (osmo-bsc, osmo-hlr, osmo-mgw), to
 * bsc-sim and to an SMPP client, for the pcap-driven regression (issue 8).
 * Each scenario writes fixtures/<name>.pcapng and fixtures/<name>.json (the
 * image recipe, the MSC's addresses, the peers, the subscribers' keys, the
 * frame count), so that a replayer can deploy the same MSC and play the
 * other side(s) at it. Run through the shell entry `scripts/capture-fixtures`,
 * which bundles this file with esbuild.
 *
 * Fixed well-known ports, so that captures read naturally: A (SCCPlite/IPA)
 * 5000, GSUP 4222, MGCP 2427 (the MSC's side 2727), SMPP 2775, M3UA 2905.
 * A busy port is an error naming it. Every process started here is stopped
 * in a finally block; every wait is bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BscSim, type Ms } from '@snaptel/bsc-sim';
import { Capture, readFields } from '../test/capture';
import { deployRecipe, ROOT, Running, sleep } from '../test/helpers';
import { OsmoHlr } from '../test/osmo-hlr-peer';
import { freeLoopbackHost, osmoBscConfig, portFree } from '../test/osmo-bsc-peer';

const FIXTURES = path.join(ROOT, 'fixtures');
const LO = '127.0.0.1';
const PORT = { a: 5000, gsup: 4222, mgw: 2427, mgcpBind: 2727, smpp: 2775, m3ua: 2905 } as const;

// ---------------------------------------------------------------- subscribers

interface Sub {
  imsi: string;
  msisdn?: string;
  ki: string;
  algo: 'comp128v1';
  /** false: the HLR does not know it (its LU is rejected). */
  provisioned?: false;
}

/** The four lab subscribers of images/msc.json (bsc-sim's defaults). */
const LAB: Sub[] = [
  { imsi: '001010000000001', msisdn: '1000', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' },
  { imsi: '001010000000002', msisdn: '1001', ki: '000102030405060708090a0b0c0d0e10', algo: 'comp128v1' },
  { imsi: '001010000000003', msisdn: '1002', ki: '000102030405060708090a0b0c0d0e11', algo: 'comp128v1' },
  { imsi: '001010000000004', msisdn: '1003', ki: '000102030405060708090a0b0c0d0e12', algo: 'comp128v1' },
];
const LAB_STRANGER: Sub = { imsi: '001010000009999', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1', provisioned: false };
const hlrSubs = (subs: Sub[]) => subs.filter((s) => s.provisioned !== false).map(({ imsi, msisdn, ki, algo }) => ({ imsi, msisdn, ki, algo }));

const NETWORK = { mcc: '001', mnc: '01' };

// ---------------------------------------------------------------- small helpers

class CaptureError extends Error {}

/** Every child process started here, so that SIGINT/SIGTERM can end them when the finally blocks cannot run. */
const children = new Set<ChildProcess>();
let interrupted: string | undefined;
function track(p: ChildProcess | undefined): void {
  if (!p) return;
  children.add(p);
  p.once('exit', () => children.delete(p));
}
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    interrupted = sig;
    console.error(`capture-fixtures: ${sig}; stopping ${children.size} process(es) started here`);
    for (const p of children) p.kill('SIGTERM');
    setTimeout(() => {
      for (const p of children) p.kill('SIGKILL');
      process.exit(130);
    }, 1500).unref();
  });
class SkipScenario extends Error {}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new CaptureError(`timed out after ${ms} ms: ${what}`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

async function requirePorts(tcp: number[], udp: number[]): Promise<void> {
  const busy: string[] = [];
  for (const p of tcp) if (!(await portFree(LO, p))) busy.push(`TCP ${LO}:${p}`);
  for (const p of udp) if (!(await udpFree(LO, p))) busy.push(`UDP ${LO}:${p}`);
  if (busy.length) throw new CaptureError(`port(s) busy: ${busy.join(', ')} (another MSC, osmo-* daemon or \`npm start\` running?); the captures use these fixed ports`);
}

const versions = new Map<string, string | undefined>();
/** `cmd --version` (and the Debian package version), or undefined when it is not installed. */
function installed(cmd: string): string | undefined {
  if (!versions.has(cmd)) {
    const r = spawnSync(cmd, ['--version'], { encoding: 'utf8', timeout: 5000 });
    let v: string | undefined;
    if (r.status === 0) {
      v = /version\s+(\S+)/i.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
      const deb = spawnSync('dpkg-query', ['-W', '-f', '${Version}', cmd], { encoding: 'utf8', timeout: 5000 });
      if (deb.status === 0 && deb.stdout) v = `${v} (Debian ${deb.stdout.trim()})`;
    }
    versions.set(cmd, v);
  }
  return versions.get(cmd);
}
const version = (cmd: string) => installed(cmd) ?? 'not installed';

const pkgVersion = (dir: string) => (JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as { version: string }).version;

/** A daemon started here, with its output kept, stopped (bounded) by stop(). */
class Daemon {
  output = '';
  readonly exited: Promise<void>;
  constructor(
    readonly name: string,
    readonly proc: ChildProcess,
    readonly dir: string,
  ) {
    proc.stdout?.on('data', (d) => (this.output += d));
    proc.stderr?.on('data', (d) => (this.output += d));
    this.exited = new Promise((r) => proc.once('exit', () => r()));
    track(proc);
  }
  get running() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }
  async waitOutput(re: RegExp, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (!re.test(this.output)) {
      if (!this.running) throw new CaptureError(`${this.name} exited while waiting for ${what}:\n${this.output.slice(-3000)}`);
      if (Date.now() > end) throw new CaptureError(`timed out waiting for ${what} (${this.name}):\n${this.output.slice(-3000)}`);
      await sleep(50);
    }
  }
  async stop(): Promise<void> {
    if (this.running) {
      this.proc.kill('SIGTERM');
      if (!(await Promise.race([this.exited.then(() => true), sleep(3000).then(() => false)]))) {
        this.proc.kill('SIGKILL');
        await Promise.race([this.exited, sleep(2000)]);
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * osmo-bsc in SCCPlite mode (as test/osmo-bsc-peer.ts configures it: point
 * codes MSC 0.23.1 = 185, BSC 0.23.3 = 187, no BTS), connecting from
 * 127.0.0.1 to the MSC at 127.0.0.1:5000; its VTY (4242) and CTRL (4249),
 * whose ports are fixed, on another loopback address.
 */
async function startOsmoBsc(): Promise<Daemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-osmo-bsc-'));
  const host = await freeLoopbackHost([4242, 4249]);
  const cfg = osmoBscConfig({ vtyHost: host, mscHost: LO, mscPort: PORT.a, localIp: LO });
  fs.writeFileSync(path.join(dir, 'osmo-bsc.cfg'), cfg);
  return new Daemon('osmo-bsc', spawn('osmo-bsc', ['-c', path.join(dir, 'osmo-bsc.cfg')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }), dir);
}

/** osmo-mgw as scripts/osmo-mgw-demo.cfg has it (MGCP on 127.0.0.1:2427), its VTY/CTRL on another loopback address. */
async function startOsmoMgw(): Promise<Daemon> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'capture-osmo-mgw-'));
  const host = await freeLoopbackHost([4243, 4267]);
  const cfg = [
    'log stderr',
    ' logging color 0',
    ' logging print category 1',
    ' logging level set-all notice',
    'line vty',
    ` bind ${host}`,
    'ctrl',
    ` bind ${host}`,
    'mgcp',
    ` bind ip ${LO}`,
    ` bind port ${PORT.mgw}`,
    ' rtp port-range 16002 16201',
    ` rtp bind-ip ${LO}`,
    ' number endpoints 32',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'osmo-mgw.cfg'), cfg);
  const d = new Daemon('osmo-mgw', spawn('osmo-mgw', ['-c', path.join(dir, 'osmo-mgw.cfg')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }), dir);
  // Ready when its VTY takes a connection (it binds MGCP before its VTY), without sending MGCP
  // that the capture (started later anyway) would not want.
  const end = Date.now() + 5000;
  for (;;) {
    if (!d.running) throw new CaptureError(`osmo-mgw exited:\n${d.output}`);
    if (!(await portFree(host, 4243))) break;
    if (Date.now() > end) {
      await d.stop();
      throw new CaptureError(`osmo-mgw not ready in 5 s:\n${d.output}`);
    }
    await sleep(50);
  }
  return d;
}

/** osmo-hlr with GSUP on 127.0.0.1:4222 (its VTY/CTRL elsewhere), subscribers provisioned over the VTY. */
async function startOsmoHlr(subs: Sub[]): Promise<OsmoHlr> {
  const hlr = await OsmoHlr.create();
  // test/osmo-hlr-peer.ts binds GSUP to the VTY's address; here GSUP goes to the well-known 127.0.0.1:4222.
  const cfgFile = path.join(hlr.dir, 'osmo-hlr.cfg');
  fs.writeFileSync(cfgFile, fs.readFileSync(cfgFile, 'utf8').replace(/bind ip \S+/, `bind ip ${LO}`));
  await hlr.start();
  track(hlr.proc);
  await hlr.vty(
    hlrSubs(subs).flatMap((s) => [`subscriber imsi ${s.imsi} create`, `subscriber imsi ${s.imsi} update msisdn ${s.msisdn}`, `subscriber imsi ${s.imsi} update aud2g ${s.algo} ki ${s.ki}`]),
  );
  return hlr;
}

// ---------------------------------------------------------------- scenarios

interface Peer {
  role: 'bsc' | 'hlr' | 'mgw' | 'esme';
  what: string;
  endpoint: string;
}

interface Check {
  filter: string;
  what: string;
  min?: number;
}

/** What a scenario's run() has: the MSC, and a place to register things to stop. */
interface Env {
  msc: Running;
  cleanup: Array<() => Promise<void> | void>;
  log(text: string): void;
}

interface Scenario {
  name: string;
  description: string;
  /** Programs that must be in PATH. */
  needs?: string[];
  needsRoot?: boolean;
  tcp: number[];
  udp: number[];
  bpf: string;
  peers: Peer[];
  peerVersions: () => Record<string, string>;
  msc: Record<string, string>;
  subscribers: Sub[];
  recipe: Record<string, unknown>;
  /** Servers the MSC connects to, started before the capture (returned: how to stop them). */
  before?: () => Promise<Array<() => Promise<void>>>;
  run(env: Env): Promise<void>;
  checks: Check[];
}

const A_SCCPLITE = (lac: number, extra: Record<string, unknown> = {}) => ({
  host: LO,
  port: PORT.a,
  pc: 185,
  ...extra,
  bscs: [{ name: 'bsc-1', host: LO, lac }],
});

function simVersions(): Record<string, string> {
  return { 'bsc-sim': pkgVersion('packages/bsc-sim') };
}

function newBsc(env: Env, opts: Record<string, unknown> = {}): BscSim {
  const bsc = new BscSim({ msc: { host: LO, port: PORT.a }, lac: 1, ...NETWORK, pingIntervalMs: 0, reconnect: false, trace: (l: string) => env.log(l), ...opts } as never);
  env.cleanup.push(() => bsc.stop().catch(() => undefined));
  return bsc;
}

async function lu(ms: Ms, expect: 'accept' | 'reject'): Promise<void> {
  const r = await within(ms.locationUpdate(), 20_000, `LU of ${ms.imsi}`);
  if (expect === 'accept' && !r.accepted) throw new CaptureError(`LU of ${ms.imsi} not accepted: ${JSON.stringify(r)}`);
  if (expect === 'reject' && r.accepted) throw new CaptureError(`LU of ${ms.imsi} accepted; a reject was expected`);
  await within(ms.idle(10_000), 12_000, `release after the LU of ${ms.imsi}`);
}

async function sms(from: Ms, to: Ms, toNumber: string, text: string): Promise<void> {
  const got = new Promise<{ text: string }>((r) => to.once('sms', r));
  const res = await within(from.sendSms(toNumber, text), 20_000, `SMS ${from.imsi} -> ${toNumber}`);
  if (!res.accepted) throw new CaptureError(`SMS ${from.imsi} -> ${toNumber} refused: ${JSON.stringify(res)}`);
  const m = await within(got, 20_000, `SMS delivered to ${to.imsi}`);
  if (m.text !== text) throw new CaptureError(`SMS to ${to.imsi}: got '${m.text}', sent '${text}'`);
  await within(Promise.all([from.idle(10_000), to.idle(10_000)]), 12_000, 'release after the SMS');
}

async function detach(ms: Ms): Promise<void> {
  await within(ms.imsiDetach(), 10_000, `IMSI detach of ${ms.imsi}`);
  await sleep(300);
}

const ms = (bsc: BscSim, s: Sub, extra: Record<string, unknown> = {}) => bsc.addMs({ imsi: s.imsi, ki: s.ki, algo: s.algo, ...(s.msisdn ? { msisdn: s.msisdn } : {}), ...extra } as never);

const MSC_READY = (l: { msg: string }) => l.msg === 'BSC link ready';

const SCENARIOS: Scenario[] = [
  {
    name: 'osmo-bsc-sccplite',
    needs: ['osmo-bsc'],
    description:
      'The MSC image resumes (A interface on 127.0.0.1:5000, IPA PING every 1000 ms); osmo-bsc (SCCPlite, from 127.0.0.1) connects: ' +
      'IPA CCM (the MSC\'s ID GET, osmo-bsc\'s ID RESP, ID ACK both ways), BSSMAP RESET (UDT) from the MSC and RESET ACKNOWLEDGE from osmo-bsc ' +
      '(osmo-bsc\'s own first RESET goes out before its IPA link is up and is lost, as test/msc-osmo-bsc.test.ts notes, so none comes from it), ' +
      'then about 4 s idle in which the MSC\'s keepalive timer sends IPA PING once a second and osmo-bsc answers PONG.',
    tcp: [PORT.a],
    udp: [],
    bpf: `tcp port ${PORT.a}`,
    peers: [{ role: 'bsc', what: `osmo-bsc ${version('osmo-bsc').split(' ')[0]}`, endpoint: 'client' }],
    peerVersions: () => ({ 'osmo-bsc': version('osmo-bsc') }),
    msc: { a: `${LO}:${PORT.a}` },
    subscribers: [],
    recipe: {
      description: 'capture osmo-bsc-sccplite: the MSC (embedded HLR, no subscribers used) with its A interface for osmo-bsc (SCCPlite/IPA) on 127.0.0.1:5000, IPA PING every second',
      package: ['hlr', 'msc'],
      packages: {
        hlr: { subscribers: hlrSubs(LAB) },
        msc: { a: A_SCCPLITE(1, { pingIntervalMs: 1000, pongTimeoutMs: 5000 }), network: NETWORK },
      },
      log: { level: 'info' },
    },
    async run(env) {
      const bsc = await startOsmoBsc();
      env.cleanup.push(() => bsc.stop());
      await env.msc.line(MSC_READY, 'the MSC to call the link to osmo-bsc ready', 20_000);
      await bsc.waitOutput(/BSSMAP assocation is up|BSSMAP association is up/, 20_000, 'osmo-bsc to call the BSSMAP association up');
      await env.msc.line((l) => l.msg === 'BSSMAP RESET ACKNOWLEDGE from BSC', 'osmo-bsc to acknowledge our RESET', 10_000);
      env.log('osmo-bsc: link up, RESET acknowledged; idle 4.2 s');
      await sleep(4200);
      if (env.msc.lines.some((l) => l.msg === 'BSC link down' || l.msg === 'no IPA PONG; dropping the link')) throw new CaptureError('the A link went down during the idle period');
    },
    checks: [
      { filter: 'gsm_ipa', what: 'IPA' },
      { filter: 'ipaccess.msg_type == 0x04', what: 'IPA ID GET' },
      { filter: 'ipaccess.msg_type == 0x05', what: 'IPA ID RESP' },
      { filter: 'ipaccess.msg_type == 0x06', what: 'IPA ID ACK' },
      { filter: 'ipaccess.msg_type == 0x00', what: 'IPA PING', min: 3 },
      { filter: 'ipaccess.msg_type == 0x01', what: 'IPA PONG', min: 3 },
      { filter: 'gsm_a.bssmap.msgtype == 0x30', what: 'BSSMAP RESET' },
      { filter: 'gsm_a.bssmap.msgtype == 0x31', what: 'BSSMAP RESET ACKNOWLEDGE' },
    ],
  },
  {
    name: 'osmo-hlr-gsup',
    needs: ['osmo-hlr'],
    description:
      'osmo-hlr runs with GSUP on 127.0.0.1:4222 and two subscribers provisioned (MSISDN 5001 and 5002, COMP128v1); the MSC image resumes and connects to it (osmo-hlr\'s IPA ID GET, the MSC\'s ID RESP with unit name MSC-SNAPTEL-CAPTURE). ' +
      'bsc-sim connects to the A interface (IPA CCM, BSSMAP RESET both ways). Location update of 901700000020001 and 901700000020002: ' +
      'GSUP SEND AUTH INFO -> tuples, AUTHENTICATION REQUEST/RESPONSE, CIPHER MODE, GSUP UPDATE LOCATION / INSERT SUBSCRIBER DATA, LU ACCEPT with TMSI, TMSI REALLOCATION COMPLETE, CLEAR. ' +
      'Then 901700000029999 (unknown to osmo-hlr): SEND AUTH INFO error cause 2, LU REJECT cause 2, CLEAR. ' +
      'Then an SMS from 5001 to 5002: CM SERVICE REQUEST (SEND AUTH INFO, authentication, cipher mode), CM SERVICE ACCEPT, CP-DATA/RP-DATA, CP-ACK and RP-ACK once stored, paging of 5002, ' +
      'PAGING RESPONSE (SEND AUTH INFO, authentication, cipher mode), MT CP-DATA/RP-DATA, CP-ACK, RP-ACK, CP-ACK; both connections cleared about 1 s later. ' +
      'Last an IMSI DETACH INDICATION from 5002 and CLEAR (no GSUP for it: the MSC marks the subscriber detached in its VLR).',
    tcp: [PORT.a, PORT.gsup],
    udp: [],
    bpf: `tcp port ${PORT.a} or tcp port ${PORT.gsup}`,
    peers: [
      { role: 'hlr', what: `osmo-hlr ${version('osmo-hlr').split(' ')[0]}`, endpoint: `${LO}:${PORT.gsup}` },
      { role: 'bsc', what: 'bsc-sim', endpoint: 'client' },
    ],
    peerVersions: () => ({ 'osmo-hlr': version('osmo-hlr'), ...simVersions() }),
    msc: { a: `${LO}:${PORT.a}`, gsupHlr: `${LO}:${PORT.gsup}` },
    subscribers: [
      { imsi: '901700000020001', msisdn: '5001', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' },
      { imsi: '901700000020002', msisdn: '5002', ki: '0f0e0d0c0b0a09080706050403020100', algo: 'comp128v1' },
      { imsi: '901700000029999', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1', provisioned: false },
    ],
    recipe: {
      description: 'capture osmo-hlr-gsup: the MSC with osmo-hlr as its HLR over GSUP (127.0.0.1:4222), A interface on 127.0.0.1:5000 for a BSC at 127.0.0.1 serving LAC 7, MCC 901 MNC 70',
      package: ['hlr', 'msc'],
      packages: {
        msc: {
          a: A_SCCPLITE(7),
          network: { mcc: '901', mnc: '70' },
          gsup: { host: LO, port: PORT.gsup, unitName: 'MSC-SNAPTEL-CAPTURE' },
        },
      },
      log: { level: 'info' },
    },
    async before() {
      const hlr = await startOsmoHlr(this.subscribers);
      return [async () => {
        await hlr.stop();
        fs.rmSync(hlr.dir, { recursive: true, force: true });
      }];
    },
    async run(env) {
      const [a, b, stranger] = this.subscribers as [Sub, Sub, Sub];
      await env.msc.line((l) => l.msg === 'GSUP: identified to the HLR (CCM ID_RESP)', 'the MSC to bring its GSUP link to osmo-hlr up', 10_000);
      const bsc = newBsc(env, { lac: 7, mcc: '901', mnc: '70' });
      await within(bsc.start({ timeoutMs: 10_000 }), 12_000, 'bsc-sim link up');
      const ma = ms(bsc, a);
      const mb = ms(bsc, b);
      await lu(ma, 'accept');
      await lu(mb, 'accept');
      await lu(ms(bsc, stranger), 'reject');
      await sms(ma, mb, b.msisdn!, 'hello 5002, from 5001');
      await detach(mb);
    },
    checks: [
      { filter: 'gsup', what: 'GSUP' },
      { filter: 'gsup.msg_type == 0x08', what: 'GSUP SEND AUTH INFO request' },
      { filter: 'gsup.msg_type == 0x0a', what: 'GSUP SEND AUTH INFO result' },
      { filter: 'gsup.msg_type == 0x09', what: 'GSUP SEND AUTH INFO error' },
      { filter: 'gsup.msg_type == 0x04', what: 'GSUP UPDATE LOCATION request' },
      { filter: 'gsup.msg_type == 0x10', what: 'GSUP INSERT SUBSCRIBER DATA request' },
      { filter: 'gsm_a.dtap.msg_mm_type == 0x02', what: 'LOCATION UPDATING ACCEPT', min: 2 },
      { filter: 'gsm_a.dtap.msg_mm_type == 0x04', what: 'LOCATION UPDATING REJECT' },
      { filter: 'gsm_a.dtap.msg_sms_type == 0x01', what: 'CP-DATA', min: 4 },
      { filter: 'gsm_a.dtap.msg_mm_type == 0x01', what: 'IMSI DETACH INDICATION' },
    ],
  },
  {
    name: 'osmo-mgw-call',
    needs: ['osmo-mgw'],
    description:
      'osmo-mgw runs with MGCP on 127.0.0.1:2427; the MSC image (embedded HLR, MGCP from 127.0.0.1:2727) resumes and resets the MGW\'s endpoints. ' +
      'bsc-sim connects (IPA CCM, BSSMAP RESET both ways); location update of 1000 and 1001 (authentication, cipher mode, LU ACCEPT, TMSI). ' +
      '1000 calls 1001: CM SERVICE REQUEST, SETUP, CRCX for the calling leg, ASSIGNMENT REQUEST/COMPLETE, MDCX, CALL PROCEEDING, paging of 1001, PAGING RESPONSE, SETUP, CALL CONFIRMED, ' +
      'CRCX for the called leg, ASSIGNMENT, MDCX, ALERTING, CONNECT, CONNECT ACKNOWLEDGE, MDCX of both legs to sendrecv; about 1 s held; 1000 hangs up: DISCONNECT, RELEASE, RELEASE COMPLETE on both sides, ' +
      'CLEAR of both connections, one DLCX of the endpoint by call id.',
    tcp: [PORT.a],
    udp: [PORT.mgw, PORT.mgcpBind],
    bpf: `tcp port ${PORT.a} or udp port ${PORT.mgw}`,
    peers: [
      { role: 'mgw', what: `osmo-mgw ${version('osmo-mgw').split(' ')[0]}`, endpoint: `${LO}:${PORT.mgw}` },
      { role: 'bsc', what: 'bsc-sim', endpoint: 'client' },
    ],
    peerVersions: () => ({ 'osmo-mgw': version('osmo-mgw'), ...simVersions() }),
    msc: { a: `${LO}:${PORT.a}`, mgw: `${LO}:${PORT.mgw}`, mgcpBind: `${LO}:${PORT.mgcpBind}` },
    subscribers: LAB.slice(0, 2),
    recipe: {
      description: 'capture osmo-mgw-call: the MSC with its embedded HLR (two lab subscribers), A interface on 127.0.0.1:5000 for a BSC at 127.0.0.1 serving LAC 1, osmo-mgw on 127.0.0.1:2427 (MGCP from 127.0.0.1:2727)',
      package: ['hlr', 'msc'],
      packages: {
        hlr: { subscribers: hlrSubs(LAB.slice(0, 2)) },
        msc: { a: A_SCCPLITE(1), network: NETWORK, mgw: { host: LO, port: PORT.mgw, localHost: LO, localPort: PORT.mgcpBind } },
      },
      log: { level: 'info' },
    },
    async before() {
      const mgw = await startOsmoMgw();
      return [() => mgw.stop()];
    },
    async run(env) {
      const [a, b] = this.subscribers as [Sub, Sub];
      await sleep(500); // the MSC's endpoint reset at start, answered
      const bsc = newBsc(env);
      await within(bsc.start({ timeoutMs: 10_000 }), 12_000, 'bsc-sim link up');
      const ma = ms(bsc, a, { answerCalls: 'auto' });
      const mb = ms(bsc, b, { answerCalls: 'auto' });
      await lu(ma, 'accept');
      await lu(mb, 'accept');
      const call = ma.call(b.msisdn!);
      await within(call.connected, 20_000, 'the call to be connected');
      await sleep(1000);
      await within(call.hangup(), 15_000, 'the call to be released');
      await within(Promise.all([ma.idle(10_000), mb.idle(10_000)]), 12_000, 'both connections released');
      await sleep(500); // the last DLCX answered
    },
    checks: [
      { filter: 'mgcp', what: 'MGCP' },
      { filter: 'mgcp.req.verb == "CRCX"', what: 'CRCX', min: 2 },
      { filter: 'mgcp.req.verb == "MDCX"', what: 'MDCX', min: 2 },
      { filter: 'mgcp.req.verb == "DLCX"', what: 'DLCX', min: 2 },
      { filter: 'gsm_a.dtap.msg_mm_type == 0x02', what: 'LOCATION UPDATING ACCEPT', min: 2 },
      { filter: 'gsm_a.dtap.msg_cc_type == 0x05', what: 'CC SETUP', min: 2 },
      { filter: 'gsm_a.dtap.msg_cc_type == 0x07', what: 'CC CONNECT' },
      { filter: 'gsm_a.dtap.msg_cc_type == 0x25', what: 'CC DISCONNECT' },
      { filter: 'gsm_a.bssmap.msgtype == 0x01', what: 'BSSMAP ASSIGNMENT REQUEST', min: 2 },
    ],
  },
  {
    name: 'sim-sccplite',
    description:
      'The MSC image (embedded HLR with the four lab subscribers, IPA PING every 1000 ms) resumes; bsc-sim connects (IPA CCM, BSSMAP RESET both ways). ' +
      'Location updates of 1000, 1001 and 1002 (authentication, cipher mode, LU ACCEPT with TMSI, TMSI REALLOCATION COMPLETE, CLEAR), then of 001010000009999 (unknown): LU REJECT cause 2. ' +
      'SMS 1000 -> 1001 and 1001 -> 1002 (CP-DATA/RP-DATA, CP-ACK, RP-ACK; paging of the receiver, MT CP-DATA, RP-ACK). IMSI detach of 1002. ' +
      'Then about 3 s idle: the MSC\'s IPA PING about once a second, bsc-sim\'s PONG.',
    tcp: [PORT.a],
    udp: [],
    bpf: `tcp port ${PORT.a}`,
    peers: [{ role: 'bsc', what: 'bsc-sim', endpoint: 'client' }],
    peerVersions: simVersions,
    msc: { a: `${LO}:${PORT.a}` },
    subscribers: [...LAB.slice(0, 3), LAB_STRANGER],
    recipe: {
      description: 'capture sim-sccplite: the MSC with its embedded HLR (the four lab subscribers of images/msc.json), A interface on 127.0.0.1:5000 for a BSC at 127.0.0.1 serving LAC 1, IPA PING every second',
      package: ['hlr', 'msc'],
      packages: {
        hlr: { subscribers: hlrSubs(LAB) },
        msc: { a: A_SCCPLITE(1, { pingIntervalMs: 1000, pongTimeoutMs: 5000 }), network: NETWORK, sms: { scAddress: '1999' } },
      },
      log: { level: 'info' },
    },
    async run(env) {
      const [a, b, c, stranger] = this.subscribers as [Sub, Sub, Sub, Sub];
      const bsc = newBsc(env);
      await within(bsc.start({ timeoutMs: 10_000 }), 12_000, 'bsc-sim link up');
      const [ma, mb, mc] = [a, b, c].map((s) => ms(bsc, s)) as [Ms, Ms, Ms];
      for (const m of [ma, mb, mc]) await lu(m, 'accept');
      await lu(ms(bsc, stranger), 'reject');
      await sms(ma, mb, b.msisdn!, 'hello 1001, from 1000');
      await sms(mb, mc, c.msisdn!, 'and hello 1002, from 1001');
      await detach(mc);
      env.log('idle 3.2 s');
      await sleep(3200);
    },
    checks: [
      { filter: 'ipaccess.msg_type == 0x00', what: 'IPA PING', min: 3 },
      { filter: 'ipaccess.msg_type == 0x01', what: 'IPA PONG', min: 3 },
      { filter: 'gsm_a.bssmap.msgtype == 0x30', what: 'BSSMAP RESET' },
      { filter: 'gsm_a.dtap.msg_mm_type == 0x02', what: 'LOCATION UPDATING ACCEPT', min: 3 },
      { filter: 'gsm_a.dtap.msg_mm_type == 0x04', what: 'LOCATION UPDATING REJECT' },
      { filter: 'gsm_a.dtap.msg_sms_type == 0x01', what: 'CP-DATA', min: 8 },
      { filter: 'gsm_a.dtap.msg_mm_type == 0x01', what: 'IMSI DETACH INDICATION' },
    ],
  },
  {
    name: 'sim-aoip',
    description:
      'The MSC image (embedded HLR, M3UA on 127.0.0.1:2905 over SCTP from user space on raw IP, point code 185) resumes; bsc-sim as an M3UA ASP (point code 188, routing context 2, LAC 2) ' +
      'makes the SCTP association (INIT, INIT ACK, COOKIE ECHO, COOKIE ACK): ASP UP / ACK, NTFY AS-INACTIVE, ASP ACTIVE / ACK, NTFY AS-ACTIVE, then BSSMAP RESET both ways in SCCP UDT. ' +
      'Location updates of 1000 and 1001 (SCCP CR/CC, authentication, cipher mode, LU ACCEPT with TMSI, CLEAR, RLSD/RLC), an SMS 1000 -> 1001 with paging of 1001 (in DATA bundled with the RP-ACK to 1000). ' +
      'No M3UA heartbeat (BEAT) on either side; SCTP SACKs throughout.',
    needsRoot: true,
    tcp: [PORT.a],
    udp: [],
    bpf: `sctp port ${PORT.m3ua}`,
    peers: [{ role: 'bsc', what: 'bsc-sim', endpoint: 'client' }],
    peerVersions: simVersions,
    msc: { m3ua: `${LO}:${PORT.m3ua}` },
    subscribers: LAB.slice(0, 2),
    recipe: {
      description: 'capture sim-aoip: the MSC with its embedded HLR (two lab subscribers), AoIP: M3UA over SCTP (raw IP, needs root) on 127.0.0.1:2905 for a BSC with point code 188 serving LAC 2 (routing context 2); the SCCPlite listener on 127.0.0.1:5000 has no BSC',
      package: ['hlr', 'msc'],
      packages: {
        hlr: { subscribers: hlrSubs(LAB.slice(0, 2)) },
        msc: {
          a: {
            host: LO,
            port: PORT.a,
            pc: 185,
            bscs: [{ name: 'bsc-aoip', transport: 'm3ua', pc: 188, lac: 2, routingContext: 2 }],
            m3ua: { host: LO, port: PORT.m3ua, backend: 'sctp', transport: 'raw' },
          },
          network: NETWORK,
          sms: { scAddress: '1999' },
        },
      },
      log: { level: 'info' },
    },
    async run(env) {
      const [a, b] = this.subscribers as [Sub, Sub];
      await sleep(300);
      const bsc = newBsc(env, { transport: 'm3ua', msc: { host: LO, port: PORT.m3ua }, mscPc: 185, bscPc: 188, m3ua: { routingContext: 2 }, lac: 2 });
      await within(bsc.start({ timeoutMs: 15_000 }), 17_000, 'bsc-sim ASP active and RESET');
      await env.msc.line((l) => l.msg === 'BSC link ready' && l.transport === 'm3ua', 'the AoIP link ready', 10_000);
      const ma = ms(bsc, a, { lac: 2 });
      const mb = ms(bsc, b, { lac: 2 });
      await lu(ma, 'accept');
      await lu(mb, 'accept');
      await sms(ma, mb, b.msisdn!, 'hello 1001 over AoIP');
      await sleep(300);
    },
    checks: [
      { filter: 'm3ua', what: 'M3UA' },
      { filter: 'm3ua.message_class == 3 && m3ua.message_type == 1', what: 'ASP UP' },
      { filter: 'm3ua.message_class == 4 && m3ua.message_type == 1', what: 'ASP ACTIVE' },
      { filter: 'm3ua.message_class == 0 && m3ua.message_type == 1', what: 'NTFY' },
      { filter: 'gsm_a.bssmap.msgtype == 0x30', what: 'BSSMAP RESET' },
      { filter: 'gsm_a.dtap.msg_mm_type == 0x02', what: 'LOCATION UPDATING ACCEPT', min: 2 },
      { filter: 'gsm_a.dtap.msg_sms_type == 0x01', what: 'CP-DATA', min: 4 },
    ],
  },
  {
    name: 'esme-smpp',
    description:
      'The MSC image (embedded HLR, SMPP on 127.0.0.1:2775 for ESME demo/demo, numbers starting with 7 routed to it) resumes; bsc-sim connects and location-updates 1000 and 1001 (link kept up). ' +
      'An ESME (the npm smpp client) binds as transceiver (demo/demo), submit_sm to 1001 with registered_delivery 1: submit_sm_resp with the message id, paging of 1001, MT CP-DATA/RP-DATA, RP-ACK, ' +
      'then deliver_sm with the delivery receipt (esm_class 0x04) answered by deliver_sm_resp. 1000 sends an SMS to 7001: RP-ACK, deliver_sm to the ESME, deliver_sm_resp. The ESME unbinds.',
    tcp: [PORT.a, PORT.smpp],
    udp: [],
    bpf: `tcp port ${PORT.a} or tcp port ${PORT.smpp}`,
    peers: [
      { role: 'bsc', what: 'bsc-sim', endpoint: 'client' },
      { role: 'esme', what: 'smpp client', endpoint: 'client' },
    ],
    peerVersions: () => ({ ...simVersions(), 'smpp (npm)': (JSON.parse(fs.readFileSync(require.resolve('smpp/package.json'), 'utf8')) as { version: string }).version }),
    msc: { a: `${LO}:${PORT.a}`, smpp: `${LO}:${PORT.smpp}` },
    subscribers: LAB.slice(0, 2),
    recipe: {
      description: 'capture esme-smpp: the MSC with its embedded HLR (two lab subscribers), A interface on 127.0.0.1:5000 for a BSC at 127.0.0.1 serving LAC 1, SMPP 3.4 on 127.0.0.1:2775 for ESME demo/demo, numbers starting with 7 to it',
      package: ['hlr', 'msc'],
      packages: {
        hlr: { subscribers: hlrSubs(LAB.slice(0, 2)) },
        msc: {
          a: A_SCCPLITE(1),
          network: NETWORK,
          sms: { scAddress: '1999', routes: [{ prefix: '7', esme: 'demo' }] },
          smpp: { host: LO, port: PORT.smpp, esmes: [{ systemId: 'demo', password: 'demo' }] },
        },
      },
      log: { level: 'info' },
    },
    async run(env) {
      const [a, b] = this.subscribers as [Sub, Sub];
      const bsc = newBsc(env);
      await within(bsc.start({ timeoutMs: 10_000 }), 12_000, 'bsc-sim link up');
      const ma = ms(bsc, a);
      const mb = ms(bsc, b);
      await lu(ma, 'accept');
      await lu(mb, 'accept');

      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const smpp = require('smpp') as any;
      const s: any = await within(
        new Promise((resolve, reject) => {
          const sess = smpp.connect({ host: LO, port: PORT.smpp, auto_enquire_link_period: 0 });
          sess.once('error', reject);
          sess.once('connect', () => resolve(sess));
        }),
        5000,
        'SMPP connect',
      );
      env.cleanup.push(() => s.destroy?.());
      s.on('error', (e: Error) => env.log(`smpp: ${e.message}`));
      const call = (cmd: string, pdu: Record<string, unknown>) => within(new Promise<any>((r) => s[cmd](pdu, r)), 10_000, `SMPP ${cmd}`);
      const delivered: any[] = [];
      s.on('deliver_sm', (pdu: any) => {
        delivered.push(pdu);
        s.send(pdu.response());
      });
      const bound = await call('bind_transceiver', { system_id: 'demo', password: 'demo' });
      if (bound.command_status !== 0) throw new CaptureError(`bind_transceiver: status ${bound.command_status}`);

      const got = new Promise<{ text: string }>((r) => mb.once('sms', r));
      const text = 'hello 1001, from the application';
      const resp = await call('submit_sm', { source_addr_ton: 5, source_addr: 'LabApp', destination_addr: b.msisdn, short_message: text, registered_delivery: 1 });
      if (resp.command_status !== 0) throw new CaptureError(`submit_sm: status ${resp.command_status}`);
      const m = await within(got, 20_000, `the submit_sm delivered to ${b.msisdn}`);
      if (m.text !== text) throw new CaptureError(`phone got '${m.text}'`);
      await until(() => delivered.length >= 1, 20_000, 'the delivery receipt');
      if ((delivered[0].esm_class & 0x3c) !== 0x04) throw new CaptureError(`first deliver_sm is not a receipt: ${JSON.stringify(delivered[0])}`);
      await within(mb.idle(10_000), 12_000, 'release after the MT SMS');

      const mo = await within(ma.sendSms('7001', 'vote: yes'), 20_000, 'SMS 1000 -> 7001');
      if (!mo.accepted) throw new CaptureError(`SMS to 7001 refused: ${JSON.stringify(mo)}`);
      await until(() => delivered.length >= 2, 20_000, 'deliver_sm of the SMS to 7001');
      await within(ma.idle(10_000), 12_000, 'release after the MO SMS');
      await call('unbind', {});
      await sleep(300);
    },
    checks: [
      { filter: 'smpp', what: 'SMPP' },
      { filter: 'smpp.command_id == 0x00000009', what: 'bind_transceiver' },
      { filter: 'smpp.command_id == 0x00000004', what: 'submit_sm' },
      { filter: 'smpp.command_id == 0x80000004', what: 'submit_sm_resp' },
      { filter: 'smpp.command_id == 0x00000005', what: 'deliver_sm', min: 2 },
      { filter: 'smpp.receipted_message_id', what: 'deliver_sm with the delivery receipt' },
      { filter: 'smpp.command_id == 0x80000005', what: 'deliver_sm_resp', min: 2 },
      { filter: 'gsm_a.dtap.msg_mm_type == 0x02', what: 'LOCATION UPDATING ACCEPT', min: 2 },
      { filter: 'gsm_a.dtap.msg_sms_type == 0x01', what: 'CP-DATA', min: 4 },
    ],
  },
];

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new CaptureError(`timed out after ${ms} ms: ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------- one capture

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
  if (r.status !== 0) throw new CaptureError(`tshark ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function countFrames(file: string, filter?: string): number {
  return tshark(['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-e', 'frame.number']).split('\n').filter(Boolean).length;
}

async function capture(sc: Scenario, keepTmp: boolean): Promise<{ frames: number; summary: string }> {
  if (sc.needsRoot && process.getuid?.() !== 0) throw new SkipScenario('SCTP over raw IP needs root (CAP_NET_RAW); run as root');
  for (const cmd of sc.needs ?? []) if (!installed(cmd)) throw new CaptureError(`${cmd} not found in PATH (apt-get install ${cmd})`);
  await requirePorts(sc.tcp, sc.udp);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `capture-${sc.name}-`));
  const say = (t: string) => console.log(`  ${sc.name}: ${t}`);
  const servers: Array<() => Promise<void>> = [];
  const clients: Array<() => Promise<void> | void> = [];
  let cap: Capture | undefined;
  let msc: Running | undefined;
  let pcap: string | undefined;
  const started = new Date();
  try {
    const img = deployRecipe(dir, 'msc', sc.recipe);
    say('image deployed');
    if (sc.before) servers.push(...(await sc.before.call(sc)));
    cap = await Capture.start(dir, sc.bpf);
    track((cap as unknown as { proc: ChildProcess }).proc);
    say(`capturing on lo: ${sc.bpf}`);
    msc = new Running(['run', img]);
    track(msc.proc);
    await msc.ready();
    say('MSC image resumed');
    const env: Env = { msc, cleanup: clients, log: (t) => (process.env.TRACE ? say(t) : undefined) };
    await sc.run.call(sc, env);
    for (const w of msc.lines.filter((l) => l.level === 'warn' || l.level === 'error' || Number(l.level) >= 40))
      say(`MSC ${w.level}: ${w.msg} ${JSON.stringify(Object.fromEntries(Object.entries(w).filter(([k]) => !['level', 'time', 'pid', 'hostname', 'msg'].includes(k))))}`);
    pcap = await cap.stop();
    cap = undefined;
  } finally {
    // The capture ends before anything is torn down; then clients (bsc-sim, osmo-bsc, the ESME), the MSC, the servers it used.
    if (cap) await cap.stop().catch(() => undefined);
    for (const c of clients.reverse()) await Promise.resolve(c()).catch(() => undefined);
    if (msc) {
      const m = msc;
      await m.stop().catch(() => m.kill());
    }
    for (const c of servers) await c().catch(() => undefined);
    if (!keepTmp && !pcap) fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!pcap) throw new CaptureError('tshark wrote no capture');
  if (interrupted) throw new CaptureError(`interrupted (${interrupted}); nothing written to fixtures/`);
  try {
    return check(sc, pcap, started);
  } finally {
    if (!keepTmp) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Checks what is on the wire, then (only then) writes fixtures/<name>.pcapng and .json. */
function check(sc: Scenario, pcap: string, started: Date): { frames: number; summary: string } {
  const frames = countFrames(pcap);
  if (frames === 0) throw new CaptureError('the capture is empty');
  const missing: string[] = [];
  for (const c of sc.checks) {
    const n = countFrames(pcap, c.filter);
    if (n < (c.min ?? 1)) missing.push(`${c.what} (${c.filter}): ${n} frame(s), at least ${c.min ?? 1} expected`);
  }
  const malformed = readFields(pcap, '_ws.malformed', ['frame.number']).length;
  if (malformed) missing.push(`${malformed} malformed frame(s)`);
  if (missing.length) {
    const kept = path.join(os.tmpdir(), `${sc.name}-rejected.pcapng`);
    fs.copyFileSync(pcap, kept);
    throw new CaptureError(`the capture lacks:\n    ${missing.join('\n    ')}\n  (kept as ${kept})`);
  }
  fs.copyFileSync(pcap, path.join(FIXTURES, `${sc.name}.pcapng`));
  fs.chmodSync(path.join(FIXTURES, `${sc.name}.pcapng`), 0o644); // dumpcap writes 0600
  const meta = {
    name: sc.name,
    description: sc.description,
    made: { by: 'scripts/capture-fixtures', at: started.toISOString(), node: process.version, peers: sc.peerVersions() },
    recipe: sc.recipe,
    msc: sc.msc,
    peers: sc.peers,
    subscribers: sc.subscribers,
    capture: { interface: 'lo', filter: sc.bpf },
    frames,
  };
  fs.writeFileSync(path.join(FIXTURES, `${sc.name}.json`), `${JSON.stringify(meta, null, 2)}\n`);
  const summary = tshark(['-r', path.join(FIXTURES, `${sc.name}.pcapng`)]);
  return { frames, summary };
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const keepTmp = args.includes('--keep-tmp');
  const verbose = args.includes('--summary');
  const names = args.filter((a) => !a.startsWith('--'));
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`usage: scripts/capture-fixtures [--summary] [--keep-tmp] [NAME...]\n  names: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    return 0;
  }
  if (args.includes('--list')) {
    for (const s of SCENARIOS) console.log(`${s.name}\t${s.bpf}`);
    return 0;
  }
  const unknown = names.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`capture-fixtures: unknown capture(s): ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
    return 2;
  }
  if (spawnSync('dumpcap', ['--version'], { timeout: 5000 }).status !== 0) {
    console.error('capture-fixtures: dumpcap not found (apt-get install tshark)');
    return 2;
  }
  let failed = 0;
  for (const sc of SCENARIOS.filter((s) => !names.length || names.includes(s.name))) {
    console.log(`${sc.name}:`);
    try {
      const { frames, summary } = await capture(sc, keepTmp);
      console.log(`  ${sc.name}: ok, ${frames} frames -> fixtures/${sc.name}.pcapng, fixtures/${sc.name}.json`);
      if (verbose) console.log(summary.replace(/^/gm, '    '));
    } catch (e) {
      if (e instanceof SkipScenario) {
        console.log(`  ${sc.name}: skipped: ${e.message}`);
        continue;
      }
      failed++;
      console.error(`  ${sc.name}: FAILED: ${e instanceof CaptureError ? e.message : (e as Error).stack}`);
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

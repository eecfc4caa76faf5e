import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { frame, IpaDeframer, unframe } from '@snaptel/ipa';
import { sleep } from './helpers';

/**
 * osmo-bsc (Debian package) as the BSC peer of an MSC under test: started
 * with a temporary config in SCCPlite mode (IPA client towards the MSC port),
 * no BTS, its VTY and CTRL on a random 127.x.y.z (their ports, 4242/4249,
 * are fixed), from which it also connects to the MSC.
 */
export const bscInstalled = spawnSync('osmo-bsc', ['--version'], { encoding: 'utf8', timeout: 5000 }).status === 0;

export interface OsmoBsc {
  proc: ChildProcess;
  /** The loopback address osmo-bsc binds and connects from. */
  host: string;
  dir: string;
  log(): string;
  ctrlGet(variable: string): Promise<string>;
  waitLog(re: RegExp, ms: number, what: string): Promise<void>;
  stop(): Promise<void>;
}

/** Whether a TCP port can be bound on address h right now. */
export function portFree(h: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, h, () => s.close(() => resolve(true)));
  });
}

/** A loopback address (127.x.y.z, not 127.0.0.1) where the given TCP ports are free: for a daemon's fixed VTY/CTRL ports. */
export async function freeLoopbackHost(ports: number[]): Promise<string> {
  for (let i = 0; i < 30; i++) {
    const h = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    let ok = true;
    for (const p of ports) if (!(await portFree(h, p))) ok = false;
    if (ok) return h;
  }
  throw new Error(`no loopback address with TCP ${ports.join(', ')} free`);
}

/**
 * osmo-bsc's config in SCCPlite mode: point codes MSC 0.23.1 (185), BSC
 * 0.23.3 (187), no BTS, VTY (4242) and CTRL (4249) on `vtyHost`, IPA towards
 * the MSC from `localIp`.
 */
export function osmoBscConfig(o: { vtyHost: string; mscHost: string; mscPort: number; localIp: string }): string {
  return [
    'log stderr',
    ' logging color 0',
    ' logging print category 1',
    ' logging timestamp 0',
    ' logging level set-all notice',
    ' logging level msc info',
    ' logging level reset info',
    'line vty',
    ` bind ${o.vtyHost} 4242`,
    'ctrl',
    ` bind ${o.vtyHost}`,
    'e1_input',
    ' e1_line 0 driver ipa',
    ` ipa bind ${o.vtyHost}`,
    'network',
    ' network country code 1',
    ' mobile network code 1',
    'cs7 instance 0',
    ' point-code 0.23.3',
    ` asp asp-clnt-msc-0 ${o.mscPort} 0 ipa`,
    `  remote-ip ${o.mscHost}`,
    `  local-ip ${o.localIp}`,
    ' as as-clnt-msc-0 ipa',
    '  asp asp-clnt-msc-0',
    '  routing-key 0 0.23.3',
    ' sccp-address bsc_local',
    '  point-code 0.23.3',
    '  routing-indicator PC',
    ' sccp-address msc_remote',
    '  point-code 0.23.1',
    '  routing-indicator PC',
    'msc 0',
    ' asp-protocol ipa',
    ' msc-addr msc_remote',
    ' bsc-addr bsc_local',
    '',
  ].join('\n');
}

/** Point codes: MSC 0.23.1 (185), BSC 0.23.3 (187). */
export async function startOsmoBsc(mscPort: number, mscHost = '127.0.0.1'): Promise<OsmoBsc> {
  if (!bscInstalled) throw new Error('osmo-bsc not found in PATH (apt-get install osmo-bsc)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snaptel-bsc-'));
  const host = await freeLoopbackHost([4242, 4249]);
  fs.writeFileSync(
    path.join(dir, 'osmo-bsc.cfg'),
    osmoBscConfig({ vtyHost: host, mscHost, mscPort, localIp: host }),
  );
  let log = '';
  const proc = spawn('osmo-bsc', ['-c', path.join(dir, 'osmo-bsc.cfg')], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (d) => (log += d));
  proc.stderr!.on('data', (d) => (log += d));
  const bsc: OsmoBsc = {
    proc,
    host,
    dir,
    log: () => log,
    async waitLog(re, ms, what) {
      const until = Date.now() + ms;
      while (!re.test(log)) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${log}`);
        await sleep(50);
      }
    },
    /** One CTRL GET over osmo-bsc's CTRL port (IPA, OSMO extension CTRL), bounded. */
    async ctrlGet(variable) {
      const s = net.connect(4249, host);
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('connect', () => resolve());
          s.once('error', reject);
        });
        const d = new IpaDeframer();
        const reply = new Promise<string>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no CTRL reply for ${variable}\n${log}`)), 5000);
          s.on('data', (c) => {
            for (const f of d.push(c)) {
              const text = Buffer.from(unframe(f).payload).toString('latin1');
              if (text.startsWith('GET_REPLY 7 ') || text.startsWith('ERROR 7 ')) {
                clearTimeout(t);
                resolve(text);
              }
            }
          });
        });
        s.write(frame('OSMO', Buffer.from(`GET 7 ${variable}`, 'latin1'), 'CTRL'));
        return await reply;
      } finally {
        s.destroy();
      }
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        if (!(await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]))) {
          proc.kill('SIGKILL');
          await Promise.race([exited, sleep(2000)]);
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return bsc;
}

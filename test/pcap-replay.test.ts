import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployRecipe, freePorts, LAUNCHER, ROOT, TEST_PACKAGES, tmpDir } from './helpers';

/**
 * `snaptel pcap replay` of every SCCPlite fixture against an MSC image deployed
 * from the recipe the capture was made with (on free ports: --map says where),
 * and of the same capture against MSCs broken on purpose.
 */
const FIXTURES = path.join(ROOT, 'fixtures');
// sim-aoip is M3UA over SCTP from user space on raw IP: root (CI runs as root).
const REPLAYABLE = ['osmo-bsc-sccplite', 'osmo-hlr-gsup', 'osmo-mgw-call', 'sim-sccplite', 'esme-smpp', 'sim-aoip'];

interface Deployed {
  img: string;
  maps: string[];
}

/** Deploys the fixture's recipe with its well-known ports moved to free ones; the --map arguments that say so. */
async function deployFixture(name: string, change: (recipe: any) => void = () => {}): Promise<Deployed> {
  const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
  // 2905 is SCTP on raw IP: a TCP-free port is as good as any for it.
  const used = [5000, 4222, 2427, 2727, 2775, 2905];
  const free = await freePorts(used.length);
  const move = new Map(used.map((p, i) => [p, free[i]!]));
  const walk = (o: any): void => {
    if (!o || typeof o !== 'object') return;
    for (const k of Object.keys(o)) {
      if ((k === 'port' || k === 'localPort') && move.has(o[k])) o[k] = move.get(o[k]);
      else walk(o[k]);
    }
  };
  const recipe = JSON.parse(JSON.stringify(fixture.recipe));
  walk(recipe);
  change(recipe);
  const img = deployRecipe(tmpDir(`replay-${name}`), name, recipe);
  return { img, maps: [...move].flatMap(([a, b]) => ['--map', `127.0.0.1:${a}=127.0.0.1:${b}`]) };
}

function replay(name: string, d: Deployed, extra: string[] = []): Promise<{ code: number | null; report: any; stderr: string }> {
  const args = ['pcap', 'replay', path.join(FIXTURES, `${name}.pcapng`), '--image', d.img, ...d.maps, '--keys', path.join(FIXTURES, `${name}.json`), '--json', ...extra];
  return new Promise((resolve) => {
    const p = spawn(LAUNCHER, args, { cwd: ROOT, env: { ...process.env, SNAPTEL_PATH: TEST_PACKAGES, NOTIFY_SOCKET: '' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (err += c));
    p.on('close', (code) => {
      let report: any;
      try {
        report = JSON.parse(out);
      } catch {
        report = undefined;
      }
      resolve({ code, report, stderr: err + out });
    });
  });
}

describe('snaptel pcap replay', () => {
  for (const name of REPLAYABLE) {
    it(`${name}: the MSC image answers every message as the capture says`, async () => {
      const d = await deployFixture(name);
      const r = await replay(name, d);
      expect(r.report, r.stderr).toBeDefined();
      expect(r.report.divergences, JSON.stringify(r.report.divergences, null, 2)).toEqual([]);
      expect(r.report.expected).toBeGreaterThan(0);
      expect(r.report.matched).toBe(r.report.expected);
      expect(r.code).toBe(0);
    });
  }

  it('catches an MSC that rejects an unknown IMSI with another cause', async () => {
    const d = await deployFixture('sim-sccplite', (r) => (r.packages.msc.unknownImsiCause = 3));
    const r = await replay('sim-sccplite', d);
    expect(r.code).toBe(1);
    expect(r.report.divergences).toHaveLength(1);
    const [dv] = r.report.divergences;
    expect(dv.kind).toBe('different');
    expect(dv.expected).toBe('DTAP MM Location Updating Reject');
    expect(dv.diffs).toEqual([{ path: '.sccp.bssap.dtap.ies.rejectCause', expected: 2, got: 3 }]);
    expect(dv.context.at(-1)).toMatch(/SCCP CC/);
  });

  it('catches, over AoIP (M3UA/SCTP), an MSC with another SMSC address', async () => {
    const d = await deployFixture('sim-aoip', (r) => (r.packages.msc.sms.scAddress = '1888'));
    const r = await replay('sim-aoip', d);
    expect(r.code).toBe(1);
    expect(r.report.divergences).toHaveLength(1);
    const [dv] = r.report.divergences;
    expect(dv.kind).toBe('different');
    expect(dv.expected).toBe('DTAP SMS CP-DATA (RP-DATA, SMS-DELIVER)');
    expect(dv.diffs).toEqual([{ path: '.protocolData.sccp.bssap.dtap.ies.rpdu.originator.digits', expected: '1999', got: '1888' }]);
  });

  it('catches an MSC whose IPA ping timer never runs', async () => {
    const d = await deployFixture('sim-sccplite', (r) => (r.packages.msc.a.pingIntervalMs = 0));
    const r = await replay('sim-sccplite', d, ['--reply-timeout', '800']);
    expect(r.code).toBe(1);
    const missing = r.report.divergences.filter((x: any) => x.kind === 'missing');
    // The capture has a PING by the MSC's timer about every second once the link is idle.
    expect(missing.length).toBeGreaterThanOrEqual(4);
    expect(missing.every((x: any) => x.expected === 'IPA CCM PING')).toBe(true);
  });

  it('says what is wrong with its arguments', async () => {
    const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const p = spawn(LAUNCHER, ['pcap', 'replay', path.join(FIXTURES, 'sim-sccplite.pcapng'), '--image', '/nonexistent.img', '--as', 'vlr'], { cwd: ROOT });
      let err = '';
      p.stderr.on('data', (c) => (err += c));
      p.on('close', (code) => resolve({ code, err }));
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--as vlr: not a role/);
  });
});

import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BscSim, type MessageEvent } from '@snaptel/bsc-sim';
import { tsharkAvailable } from '@snaptel/codec';
import { request } from '../packages/image/src/remote';
import { Capture, readFields, readMessages } from './capture';
import { deployRecipe, evalIn, Running, sleep, snaptel, tmpDir } from './helpers';

/**
 * AoIP end to end, on the wire: the MSC image (hlr + msc) listens for M3UA
 * over real SCTP (RFC 4960 from user space over raw IP: no kernel SCTP
 * here), and bsc-sim, another process's worth of stack in this one, is the
 * BSC as an M3UA ASP. They bring the ASP up and active, exchange BSSMAP
 * RESET / RESET ACKNOWLEDGE and a connection-oriented dialogue (a location
 * update with authentication). tshark captures it all: no malformed packet,
 * and the M3UA and SCCP fields it dissects are what both sides logged.
 * Then kill -9 and resume: the association comes back by itself, and
 * `snaptel verify` checks it. Needs root (raw IP) and tshark: fails, never
 * skips, without them.
 */

const ALICE = { imsi: '001010000000001', msisdn: '1001', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' as const };
const MSC_PC = 185;
const BSC_PC = 187;
const RC = 7;

let msc: Running | undefined;
let bsc: BscSim | undefined;
let cap: Capture | undefined;
afterAll(async () => {
  await bsc?.stop().catch(() => undefined);
  msc?.kill();
  await cap?.stop().catch(() => undefined);
});

const rnd = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

/** "Rx DATA opc=187 dpc=185 si=3 sls=0 len=63" lines of the MSC's M3UA endpoint. */
function dataLines(lines: Array<{ msg: string }>, dir: 'Rx' | 'Tx'): string[] {
  return lines
    .map((l) => l.msg)
    .filter((m) => typeof m === 'string' && m.includes(`${dir} DATA opc=`))
    .map((m) => m.slice(m.indexOf(`${dir} DATA`)).replace(/ len=\d+.*$/, ''));
}

describe('the MSC image on AoIP (M3UA over real SCTP) with bsc-sim as the BSC', () => {
  it('brings the ASP up, resets, carries a dialogue; tshark agrees with both sides; comes back after kill -9; verify checks the association', async () => {
    expect(process.getuid?.(), 'SCTP over raw IP needs root (CAP_NET_RAW)').toBe(0);
    expect(tsharkAvailable(), 'tshark not found (apt-get install tshark)').toBe(true);
    const dir = tmpDir('msc-aoip');
    const host = `127.${rnd(1, 250)}.${rnd(1, 250)}.${rnd(2, 250)}`;
    const aPort = rnd(20000, 40000);
    const m3uaPort = rnd(40000, 60000);
    const img = deployRecipe(dir, 'msc', {
        package: ['hlr', 'msc'],
        packages: {
          hlr: { subscribers: [ALICE] },
          msc: {
            a: {
              host,
              port: aPort,
              pc: MSC_PC,
              bscs: [{ name: 'bsc-aoip', transport: 'm3ua', pc: BSC_PC, lac: 23, routingContext: RC }],
              m3ua: { host, port: m3uaPort, backend: 'sctp', transport: 'raw' },
            },
          },
        },
      });
    const declared = JSON.parse(snaptel(['info', img, '--json']).stdout).manifest.resources;
    expect(declared).toContainEqual(expect.objectContaining({ kind: 'sctp-server', owner: 'msc', name: 'm3ua', host, port: m3uaPort, backend: 'sctp', transport: 'raw' }));

    cap = await Capture.start(dir, `sctp and host ${host}`);
    const control = path.join(dir, 'control.sock');
    msc = new Running(['run', img, '--control', control, '--allow-eval'], { SNAPTEL_LOG_LEVEL: 'debug' });
    await msc.ready();

    const events: MessageEvent[] = [];
    bsc = new BscSim({
      transport: 'm3ua',
      msc: { host, port: m3uaPort },
      mscPc: MSC_PC,
      bscPc: BSC_PC,
      m3ua: { routingContext: RC, timers: { 'T(beat)': '1s' } },
      lac: 23,
      reconnect: true,
      ...(process.env.TRACE ? { trace: (l: string) => console.log(l) } : {}),
    });
    bsc.on('message', (e: MessageEvent) => events.push(e));
    await bsc.start({ timeoutMs: 15_000 });
    const alice = bsc.addMs({ ...ALICE });
    const lu = await alice.locationUpdate();
    expect(lu.accepted, JSON.stringify(lu)).toBe(true);
    expect(await evalIn(control, 'msc.status().registered')).toBe(1);
    const st = await evalIn(control, 'msc.status()');
    expect(st.links).toEqual([expect.objectContaining({ bsc: 'bsc-aoip', transport: 'm3ua', state: 'ready', resetAcknowledged: true })]);
    expect(st.aoip.m3ua.ases).toEqual([expect.objectContaining({ routingContext: RC, state: 'AS-ACTIVE' })]);
    await sleep(300); // the last RLC on its way
    const mscLines = [...msc.lines];
    const pcap = await cap.stop();
    cap = undefined;

    // Nothing malformed on the wire, at any layer.
    expect(readFields(pcap, '_ws.malformed || _ws.expert.severity == error', ['frame.number'])).toEqual([]);
    // ASP Up, ASP Active (routing context and override traffic mode) and their acks, as RFC 4666 has them.
    const kinds = readMessages(pcap, 'm3ua', ['m3ua.message_class', 'm3ua.message_type']).map((p) => `${p['m3ua.message_class']}/${p['m3ua.message_type']}`);
    // ASP Up, ASP Up Ack, NTFY AS-INACTIVE, ASP Active, ASP Active Ack, NTFY AS-ACTIVE (RFC 4666 4.3.4.5), then DATA.
    expect(kinds.filter((k) => !k.startsWith('1/')).slice(0, 6)).toEqual(['3/1', '3/4', '0/1', '4/1', '4/3', '0/1']);
    const active = readFields(pcap, 'm3ua.message_class == 4 && m3ua.message_type == 1', ['m3ua.routing_context', 'm3ua.traffic_mode_type'])[0]!;
    expect(active['m3ua.routing_context']).toEqual([String(RC)]);
    expect(active['m3ua.traffic_mode_type']).toEqual(['1']); // override
    const ntfy = readMessages(pcap, 'm3ua.status_type', ['m3ua.status_type', 'm3ua.status_info']).map((p) => `${p['m3ua.status_type']}/${p['m3ua.status_info']}`);
    expect(ntfy.slice(0, 2)).toEqual(['1/2', '1/3']); // AS state change: AS-INACTIVE, AS-ACTIVE
    for (const f of readFields(pcap, 'm3ua.routing_context', ['m3ua.routing_context'])) expect(new Set(f['m3ua.routing_context'])).toEqual(new Set([String(RC)]));

    // Every DATA: the routing label tshark reads is the one each side logged, in order.
    const data = readMessages(pcap, 'm3ua.protocol_data_opc', ['m3ua.protocol_data_opc', 'm3ua.protocol_data_dpc', 'm3ua.protocol_data_si', 'm3ua.protocol_data_sls', 'sccp.message_type']);
    const label = (p: Record<string, string>, dir: string) =>
      `${dir} DATA opc=${p['m3ua.protocol_data_opc']} dpc=${p['m3ua.protocol_data_dpc']} si=${p['m3ua.protocol_data_si']} sls=${p['m3ua.protocol_data_sls']}`;
    const up = data.filter((p) => p['m3ua.protocol_data_opc'] === String(BSC_PC));
    const down = data.filter((p) => p['m3ua.protocol_data_opc'] === String(MSC_PC));
    expect(up.length + down.length).toBe(data.length);
    expect(up.map((p) => label(p, 'Rx'))).toEqual(dataLines(mscLines, 'Rx'));
    expect(down.map((p) => label(p, 'Tx'))).toEqual(dataLines(mscLines, 'Tx'));
    // The SCCP messages tshark dissects are the ones bsc-sim sent and received, type by type.
    const SCCP_TYPE: Record<string, string> = { '1': 'CR', '2': 'CC', '3': 'CREF', '4': 'RLSD', '5': 'RLC', '6': 'DT1', '9': 'UDT', '16': 'IT' };
    expect(up.map((p) => SCCP_TYPE[String(Number(p['sccp.message_type']))])).toEqual(events.filter((e) => e.dir === 'BSC -> MSC').map((e) => e.sccp.type));
    expect(down.map((p) => SCCP_TYPE[String(Number(p['sccp.message_type']))])).toEqual(events.filter((e) => e.dir === 'MSC -> BSC').map((e) => e.sccp.type));
    // RESET both ways, then the dialogue: CR (COMPLETE LAYER 3), CC, DT1s, RLSD, RLC.
    expect(events.filter((e) => e.sccp.type === 'UDT').map((e) => `${e.dir} ${e.name}`)).toEqual(
      expect.arrayContaining(['BSC -> MSC RESET', 'MSC -> BSC RESET ACKNOWLEDGE', 'MSC -> BSC RESET', 'BSC -> MSC RESET ACKNOWLEDGE']),
    );
    // The local references on the wire are the ones in bsc-sim's messages (CR, CC, RLSD, RLC carry a source reference).
    const refsLogged = new Set(events.map((e) => (e.sccp as { srcRef?: number }).srcRef).filter((r) => r !== undefined).map(String));
    const refsOnWire = new Set(readFields(pcap, 'sccp.slr', ['sccp.slr']).flatMap((f) => f['sccp.slr']!).map((h) => String(Number(h))));
    expect(refsOnWire).toEqual(refsLogged);
    expect(refsOnWire.size).toBeGreaterThan(0);
    expect(events.map((e) => e.sccp.type)).toEqual(expect.arrayContaining(['CR', 'CC', 'DT1', 'RLSD', 'RLC']));

    // A live snapshot while the association is up (the builder never opens SCTP: the native
    // addon stays out of the heap), then kill -9: the ASP's heartbeat finds the MSC gone, and
    // bsc-sim reconnects to the resumed image by itself. The subscriber is still registered.
    const snap = await request(control, 'snapshot', {}, 60_000);
    expect(snap.ok, JSON.stringify(snap.error)).toBe(true);
    msc.proc.kill('SIGKILL');
    await sleep(200);
    msc = new Running(['run', img, '--control', control, '--allow-eval']);
    await msc.ready();
    await msc.line((l) => l.msg === 'BSC link ready' && l.transport === 'm3ua', 'the AoIP link up again', 30_000);
    await bsc.waitLinkUp(15_000);
    expect(await evalIn(control, 'msc.status().registered')).toBe(1);
    const again = await alice.locationUpdate();
    expect(again.accepted, JSON.stringify(again)).toBe(true);
    await bsc.stop();
    bsc = undefined;
    await msc.stop();
    msc = undefined;

    // verify plays an SCTP peer towards the resumed image's M3UA listener.
    const v = snaptel(['verify', img, '--json']);
    const report = JSON.parse(v.stdout);
    const sctp = report.checks.filter((c: { area: string }) => c.area === 'sctp');
    expect(sctp).toEqual([expect.objectContaining({ subject: 'msc.m3ua', ok: true })]);
    expect(sctp[0].detail).toMatch(/SCTP over raw IP .* takes an association/);
    expect(v.status, v.stdout + v.stderr).toBe(0);
  }, 150_000);
});

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AssociationError, openWires, sctpBackend } from '../src';
import { build, Capture, haveTshark, isRoot, Peer, randomHosts, randomPort, type PeerEvent } from './peers';

/**
 * The `sctp` backend for real: RFC 4960 between two processes on loopback,
 * through the npm sctp package, over raw IP (root) and over UDP
 * encapsulation (RFC 6951). Needs root for raw IP; with CI set, a missing
 * root or tshark fails these tests instead of skipping them.
 */

const CI = !!process.env.CI;
const mustRun = isRoot || CI;
const tshark = haveTshark();

const peers: Peer[] = [];
const spawnPeer = (cfg: object, opts?: { uid?: number; gid?: number }) => {
  const p = new Peer(cfg, opts);
  peers.push(p);
  return p;
};
afterEach(() => {
  for (const p of peers.splice(0)) p.kill();
});

const text = (s: string) => Buffer.from(s).toString('hex');
/** Messages on 8 streams, PPIDs from M3UA to the full 32 bits, one of 3000 bytes (three DATA chunks). */
const MESSAGES = [
  { stream: 0, ppid: 3, hex: '0100030100000008' }, // M3UA ASPSM ASP Up, no parameters
  { stream: 1, ppid: 3, hex: '0100030400000008' }, // M3UA ASPSM ASP Up Ack
  { stream: 2, ppid: 0, hex: text('stream two, unspecified PPID') },
  { stream: 3, ppid: 4242, hex: text('stream three') },
  { stream: 7, ppid: 0x12345678, hex: text('stream seven, 0x12345678') },
  { stream: 0, ppid: 3, hex: '0100030300000008' }, // M3UA ASPSM Heartbeat
  { stream: 5, ppid: 0xfffffff0, hex: text('x'.repeat(3000)) },
  { stream: 6, ppid: 43981, hex: text('a'), unordered: true },
  { stream: 2, ppid: 0, hex: text('stream two again') },
];

function backendCfg(transport: 'raw' | 'udp', udpPort: number, extra: object = {}) {
  return transport === 'udp' ? { transport, udpPort, udpPeerPort: udpPort, ...extra } : { transport, ...extra };
}

/** Server (echoing, PPID + 1000) and client processes, associated. */
async function associated(transport: 'raw' | 'udp', o: { serverBackend?: object; clientBackend?: object; localPort?: number } = {}) {
  const hosts = randomHosts();
  const port = randomPort();
  const udpPort = randomPort();
  const server = spawnPeer({ role: 'server', backend: backendCfg(transport, udpPort, o.serverBackend), host: hosts.server, port, echo: true });
  await server.waitFor((e) => e.ev === 'listening', 10_000, 'listening');
  const clientCfg = {
    role: 'client',
    backend: backendCfg(transport, udpPort, o.clientBackend),
    host: hosts.server,
    port,
    localHost: hosts.client,
    ...(o.localPort ? { localPort: o.localPort } : {}),
    timeoutMs: 5000,
  };
  const client = spawnPeer(clientCfg);
  const up = await client.waitFor((e) => e.ev === 'up', 10_000, 'client up');
  const assoc = await server.waitFor((e) => e.ev === 'association', 5000, 'server association');
  return { hosts, port, udpPort, server, client, up, assoc, clientCfg };
}

function sameMessages(got: PeerEvent[], want: Array<{ stream: number; ppid: number; hex: string }>, ppidDelta = 0) {
  expect(got).toHaveLength(want.length);
  // Each stream in its order (unordered ones aside); overall the same multiset.
  for (let s = 0; s < 8; s++) {
    const g = got.filter((m) => m.stream === s).map((m) => [m.ppid, m.hex]);
    const w = want.filter((m) => m.stream === s).map((m) => [(m.ppid + ppidDelta) >>> 0, m.hex]);
    expect(g).toEqual(w);
  }
}

describe.skipIf(!mustRun)('sctp backend: two processes on loopback', () => {
  beforeAll(() => {
    if (!isRoot) throw new Error('these tests need root (raw IP sockets, CAP_NET_RAW) and CI is set');
    build();
  }, 120_000);

  for (const transport of ['raw', 'udp'] as const) {
    describe(transport === 'raw' ? 'over raw IP' : 'over UDP encapsulation (RFC 6951)', () => {
      it('exchanges messages on several streams with PPIDs, boundaries kept, both ways', async () => {
        const { server, client, up, assoc, hosts, port } = await associated(transport);
        expect(up.info).toMatchObject({ backend: 'sctp', transport, remoteAddress: hosts.server, remotePort: port, localAddress: hosts.client, outStreams: 16, inStreams: 16 });
        expect(assoc.info).toMatchObject({ remoteAddress: hosts.client, remotePort: up.info.localPort, localAddress: hosts.server, localPort: port });
        client.command({ cmd: 'send', msgs: MESSAGES });
        await server.waitFor(() => server.all('message').length >= MESSAGES.length, 5000, 'all messages at the server');
        await client.waitFor(() => client.all('message').length >= MESSAGES.length, 5000, 'all echoes at the client');
        sameMessages(server.all('message'), MESSAGES);
        sameMessages(client.all('message'), MESSAGES, 1000);
        // SHUTDOWN from the client; then both processes must exit by themselves: nothing left open.
        client.command({ cmd: 'close' });
        const closed = await client.waitFor((e) => e.ev === 'closed', 5000, 'client closed');
        expect(closed.resources.filter((r: string) => r !== 'TTYWrap' && r !== 'PipeWrap')).toEqual([]);
        expect((await server.waitFor((e) => e.ev === 'down', 5000, 'server down')).reason).toBe('shutdown by peer');
        expect(client.all('down')[0]!.reason).toBe('shutdown');
        server.command({ cmd: 'close' });
        await server.waitFor((e) => e.ev === 'closed', 5000, 'server closed');
        const exits = await Promise.race([
          Promise.all([client.exited, server.exited]),
          new Promise<null>((r) => setTimeout(() => r(null), 3000)),
        ]);
        expect(exits, 'both processes exit by themselves once closed').not.toBeNull();
        expect(exits!.map((e) => e.code)).toEqual([0, 0]);
      });

      it("abort: the peer sees an ABORT with the user's reason", async () => {
        const { server, client } = await associated(transport);
        client.command({ cmd: 'abort', reason: 'bye for now' });
        expect((await client.waitFor((e) => e.ev === 'down', 5000, 'client down')).reason).toBe('aborted locally: bye for now');
        expect((await server.waitFor((e) => e.ev === 'down', 5000, 'server down')).reason).toBe('ABORT from peer (User-Initiated Abort: bye for now)');
        client.command({ cmd: 'close' });
        expect((await client.exited).code).toBe(0);
      });

      it('restart: a client back from a crash on the same address and port restarts the association (RFC 4960 5.2.2)', async () => {
        const localPort = randomPort();
        const { server, client, assoc, clientCfg } = await associated(transport, { localPort });
        client.kill();
        await client.exited;
        const again = spawnPeer(clientCfg);
        await again.waitFor((e) => e.ev === 'up', 10_000, 'client up again');
        const r = await server.waitFor((e) => e.ev === 'restart', 5000, 'restart at the server');
        expect(r.id).toBe(assoc.id);
        expect(server.all('association')).toHaveLength(1);
        expect(server.all('down')).toHaveLength(0);
        again.command({ cmd: 'send', msgs: [{ stream: 4, ppid: 3, hex: '0100030100000008' }] });
        const m = await server.waitFor((e) => e.ev === 'message', 5000, 'message after restart');
        expect(m).toMatchObject({ id: assoc.id, stream: 4, ppid: 3, hex: '0100030100000008' });
        await again.waitFor((e) => e.ev === 'message', 5000, 'echo after restart');
      });

      it('a peer that vanishes is declared unreachable after the silence bound', async () => {
        const { server, client } = await associated(transport, { serverBackend: { heartbeatMs: 100, maxSilenceMs: 600 } });
        const t0 = Date.now();
        client.kill();
        const down = await server.waitFor((e) => e.ev === 'down', 5000, 'server down');
        expect(down.reason).toMatch(/^peer unreachable: nothing heard for \d+ ms/);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
      });
    });
  }

  for (const transport of ['raw', 'udp'] as const) {
    it.skipIf(!tshark && !CI)(`tshark: the ${transport === 'raw' ? 'raw-IP' : 'UDP-encapsulated'} capture has no malformed packet, good CRC32c, and the DATA chunks carry the streams and PPIDs sent`, async () => {
      if (!tshark) throw new Error('tshark is not installed (apt-get install tshark) and CI is set');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sctp-cap-'));
      onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
      const file = path.join(dir, `${transport}.pcapng`);
      const hosts = randomHosts();
      const udpPort = randomPort();
      const cap = new Capture(file, `${transport === 'raw' ? 'sctp' : `udp port ${udpPort}`} and host ${hosts.server}`);
      await cap.started();
      const port = randomPort();
      const backend = backendCfg(transport, udpPort);
      const server = spawnPeer({ role: 'server', backend, host: hosts.server, port, echo: true });
      await server.waitFor((e) => e.ev === 'listening', 10_000, 'listening');
      const client = spawnPeer({ role: 'client', backend, host: hosts.server, port, localHost: hosts.client, timeoutMs: 5000 });
      const up = await client.waitFor((e) => e.ev === 'up', 10_000, 'client up');
      client.command({ cmd: 'send', msgs: MESSAGES });
      await client.waitFor(() => client.all('message').length >= MESSAGES.length, 5000, 'echoes');
      client.command({ cmd: 'close' });
      await server.waitFor((e) => e.ev === 'down', 5000, 'server down');
      await cap.stop();

      const read = (args: string[]) => {
        // Over UDP, Wireshark knows SCTP on 9899 only: tell it about our random encapsulation port.
        const decodeAs = transport === 'udp' ? ['-d', `udp.port==${udpPort},sctp`] : [];
        const r = spawnSync('tshark', ['-r', file, '-o', 'sctp.checksum:CRC 32c', ...decodeAs, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
        expect(r.status, r.stderr).toBe(0);
        return r.stdout;
      };
      expect(read(['-Y', '_ws.malformed || _ws.expert.severity >= error']).trim()).toBe('');
      const packets = JSON.parse(read(['-T', 'json'])) as Array<{ _source: { layers: Record<string, any> } }>;
      expect(packets.length).toBeGreaterThan(10);
      if (transport === 'udp') expect(packets.every((p) => 'udp' in p._source.layers && 'sctp' in p._source.layers)).toBe(true);
      // Every packet is SCTP with a CRC32c that Wireshark recomputed and found good (status 1).
      const fields = read(['-T', 'fields', '-E', 'separator=|', '-E', 'aggregator=,', '-e', 'ip.src', '-e', 'sctp.srcport', '-e', 'sctp.checksum.status', '-e', 'sctp.chunk_type', '-e', 'sctp.data_tsn_raw', '-e', 'sctp.data_sid', '-e', 'sctp.data_payload_proto_id', '-e', 'sctp.data_u_bit']);
      const rows = fields.trim().split('\n').map((l) => l.split('|'));
      expect(rows.every((r) => r[2] === '1')).toBe(true);
      const types = new Set(rows.flatMap((r) => r[3]!.split(',')));
      for (const t of ['1', '2', '10', '11', '0', '3', '7', '8', '14']) expect(types, `chunk type ${t} (INIT..SHUTDOWN COMPLETE) in the capture`).toContain(t);
      // DATA chunks the client sent, each TSN once: their stream ids and PPIDs are what we sent (the long message as 3 fragments).
      const seen = new Set<string>();
      const data: Array<[number, number, boolean]> = [];
      for (const r of rows.filter((x) => x[0] === hosts.client && x[1] === String(up.info.localPort) && x[4])) {
        const tsns = r[4]!.split(',');
        const sids = r[5]!.split(',');
        const ppids = r[6]!.split(',');
        const ubits = r[7]!.split(',');
        tsns.forEach((tsn, k) => {
          if (seen.has(tsn)) return; // a retransmission
          seen.add(tsn);
          data.push([Number(sids[k]), Number(ppids[k]), ubits[k] === 'True' || ubits[k] === '1']);
        });
      }
      const want = MESSAGES.flatMap((m) => Array.from({ length: Math.ceil(m.hex.length / 2 / 1448) }, () => [m.stream, m.ppid, m.unordered === true] as [number, number, boolean]));
      expect(data).toEqual(want);
      // And the M3UA payloads decode as M3UA ASPSM messages.
      const m3ua = read(['-Y', 'm3ua', '-T', 'fields', '-E', 'aggregator=,', '-e', 'm3ua.message_class', '-e', 'm3ua.message_type'])
        .trim()
        .split('\n')
        .flatMap((l) => {
          const [cls, typ] = l.split('\t').map((x) => x.split(','));
          return cls!.map((c, k) => `${c}/${typ![k]}`);
        });
      expect(m3ua).toEqual(['3/1', '3/4', '3/3']);
    });
  }

  it('permission: without root, raw IP says it needs root (CAP_NET_RAW)', async () => {
    const hosts = randomHosts();
    const p = spawnPeer({ role: 'server', backend: { transport: 'raw' }, host: hosts.server, port: randomPort() }, { uid: 65534, gid: 65534 });
    const e: PeerEvent = await p.waitFor((x) => x.ev === 'error' || x.ev === 'listening', 10_000, 'error').catch((err: Error) => ({ ev: 'error', message: err.message }));
    expect(e.ev).toBe('error');
    expect(e.message).toMatch(/raw IP needs root \(CAP_NET_RAW\)/);
    expect(e.code).toBe('permission');
  });

  describe('in this process', () => {
    const handles = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'UDPWrap').length;

    for (const transport of ['raw', 'udp'] as const) {
      it(`${transport}: connect to nothing times out, and leaves no socket nor timer`, async () => {
        const before = handles();
        const be = sctpBackend({ transport, udpPort: 0, udpPeerPort: randomPort() });
        const hosts = randomHosts();
        const t0 = Date.now();
        const err = await be.connect({ host: hosts.server, port: randomPort(), localHost: hosts.client, timeoutMs: 400 }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(AssociationError);
        expect((err as AssociationError).code).toBe('timeout');
        expect((err as AssociationError).message).toContain(hosts.server);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
        await new Promise((r) => setTimeout(r, 20));
        expect(openWires()).toEqual([]);
        expect(handles()).toBeLessThanOrEqual(before);
      });

      it(`${transport}: listen, associate, cancel, close: errors are typed and nothing stays open`, async () => {
        const before = handles();
        const hosts = randomHosts();
        const port = randomPort();
        const be = sctpBackend({ transport, udpPort: 0, heartbeatMs: 50 });
        const srv = await be.listen({ host: hosts.server, port, inStreams: 4 });
        expect((await be.listen({ host: hosts.server, port }).then(() => undefined, (e: AssociationError) => e))?.code).toBe('address-in-use');
        // Over raw IP SCTP ports are the host's; over UDP each encapsulation socket has its own.
        if (transport === 'raw') expect((await be.listen({ host: '0.0.0.0', port }).then(() => undefined, (e: AssociationError) => e))?.code).toBe('address-in-use');
        const udpPeer = transport === 'udp' ? (openWires()[0]!.label.match(/:(\d+)$/)![1] as string) : '9899';
        const cbe = sctpBackend({ transport, udpPort: 0, udpPeerPort: Number(udpPeer) });
        const ac = new AbortController();
        ac.abort();
        expect((await cbe.connect({ host: hosts.server, port, signal: ac.signal }).then(() => undefined, (e: AssociationError) => e))?.code).toBe('aborted');
        const got: Array<[number, number, string]> = [];
        srv.on('association', (a) => a.on('message', (m) => got.push([m.stream, m.ppid, Buffer.from(m.data).toString()])));
        const c = await cbe.connect({ host: hosts.server, port, localHost: hosts.client, outStreams: 10 });
        expect(c.info().outStreams).toBe(4);
        expect(() => c.send(Buffer.from('x'), { stream: 4 })).toThrow(/stream 4 out of range 0\.\.3/);
        for (let i = 0; i < 50; i++) c.send(Buffer.from(`m${i}`), { stream: i % 4, ppid: i });
        await new Promise((r) => setTimeout(r, 200)); // several heartbeats too
        expect(got).toEqual(Array.from({ length: 50 }, (_, i) => [i % 4, i, `m${i}`]));
        await c.close();
        await srv.close();
        await new Promise((r) => setTimeout(r, 20));
        expect(openWires()).toEqual([]);
        expect(handles()).toBeLessThanOrEqual(before);
      });
    }
  });
});

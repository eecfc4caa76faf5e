import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '@snaptel/codec';
import { decode as ipaDecode, encode as ipaEncode, IpaDeframer, type IpaMessage } from '@snaptel/ipa';
import { decode, encode, encodeIpa, type GsupMessage } from '../src';
import { OsmoHlr } from '../../../test/osmo-hlr-peer';

/**
 * Live test against the real osmo-hlr (Debian package): temporary config and
 * database, its own loopback address (osmo-hlr 1.5 has fixed GSUP 4222 and
 * CTRL 4259 ports, so a random 127.x.y.z keeps it apart from anything else),
 * a subscriber created over its VTY, then the IPA CCM exchange and GSUP
 * SendAuthInfo / UpdateLocation over TCP. Fails (does not skip) when
 * osmo-hlr is not installed.
 */
const IMSI = '901700000000001';
const UNKNOWN_IMSI = '901700000000999';
const MSISDN = '4321';
const KI = '000102030405060708090a0b0c0d0e0f';

const hlrInstalled = spawnSync('osmo-hlr', ['--version'], { encoding: 'utf8', timeout: 5000 }).status === 0;

let hlr: OsmoHlr | undefined;
let host = '';
const log = () => hlr?.output ?? '';

async function connectRetry(h: string, port: number, ms: number): Promise<net.Socket> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(port, h, () => resolve(s));
        s.once('error', reject);
      });
    } catch (e) {
      if (Date.now() > until) throw new Error(`cannot connect to ${h}:${port}: ${(e as Error).message}\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Reads from a socket until `re` matches the accumulated text, bounded. */
/** A GSUP client: IPA frames in, with a bounded wait for the next one. */
class Client {
  readonly received: Uint8Array[] = [];
  private queue: Uint8Array[] = [];
  private waiter: (() => void) | undefined;
  private deframer = new IpaDeframer();
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d) => {
      for (const f of this.deframer.push(d)) {
        this.received.push(f);
        this.queue.push(f);
      }
      this.waiter?.();
    });
  }
  async next(ms = 5000): Promise<IpaMessage> {
    const until = Date.now() + ms;
    while (!this.queue.length) {
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no frame from osmo-hlr within ${ms} ms\n${log()}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiter = () => (clearTimeout(t), r());
      });
      this.waiter = undefined;
    }
    return ipaDecode(this.queue.shift()!);
  }
  /** Next GSUP message, answering CCM PING and ID_ACK on the way. */
  async nextGsup(ms = 5000): Promise<GsupMessage> {
    for (;;) {
      const m = await this.next(ms);
      if (m.proto === 'OSMO' && m.ext === 'GSUP') return decode(Buffer.from(m.payload, 'hex'));
      if (m.proto === 'CCM' && m.ccm.type === 'PING') this.sock.write(ipaEncode({ proto: 'CCM', ccm: { type: 'PONG' } }));
    }
  }
  send(m: GsupMessage): void {
    this.sock.write(encodeIpa(m));
  }
}

let client: Client | undefined;
let idGet: IpaMessage | undefined;

describe('live osmo-hlr', () => {
  beforeAll(async () => {
    if (!hlrInstalled) return;
    hlr = await OsmoHlr.create();
    await hlr.start();
    host = hlr.host;
    const out = await hlr.vty([
      `subscriber imsi ${IMSI} create`,
      `subscriber imsi ${IMSI} update msisdn ${MSISDN}`,
      `subscriber imsi ${IMSI} update aud2g comp128v1 ki ${KI}`,
      `show subscriber imsi ${IMSI}`,
    ]);
    expect(out[3]).toContain(`MSISDN: ${MSISDN}`);
    const sock = await connectRetry(host, 4222, 5000);
    client = new Client(sock);
    // osmo-hlr asks who we are (CCM ID_GET); answer every tag it asks for.
    idGet = await client.next();
    if (idGet.proto !== 'CCM' || idGet.ccm.type !== 'ID_GET') throw new Error(`expected ID_GET, got ${JSON.stringify(idGet)}`);
    const entries = idGet.ccm.tags.map((t) => ({ tag: t.tag, value: t.tag === 'UNITNAME' || t.tag === 'SERNR' ? 'SNAPTEL-MSC\u0000' : '\u0000' }));
    sock.write(ipaEncode({ proto: 'CCM', ccm: { type: 'ID_RESP', entries } }));
  });

  afterAll(async () => {
    client?.sock.destroy();
    await hlr?.stop();
    if (hlr) fs.rmSync(hlr.dir, { recursive: true, force: true });
  });

  it('osmo-hlr is installed (required: this test fails rather than skips without it)', () => {
    expect(hlrInstalled, 'osmo-hlr not found in PATH').toBe(true);
    expect(hlr?.proc?.pid).toBeGreaterThan(0);
  });

  it('asks for our identity with a CCM ID_GET that we decode and re-encode byte for byte', () => {
    expect(idGet).toMatchObject({ proto: 'CCM', ccm: { type: 'ID_GET' } });
    const tags = (idGet as { ccm: { tags: { tag: unknown }[] } }).ccm.tags.map((t) => t.tag);
    expect(tags).toContain('UNITNAME');
    const raw = client!.received[0]!;
    expect(toHex(ipaEncode(ipaDecode(raw)))).toBe(toHex(raw));
  });

  it('answers SendAuthInfo for a provisioned IMSI with 2G auth tuples', async () => {
    client!.send({ type: 'SendAuthInfoRequest', imsi: IMSI, cnDomain: 2 });
    const r = await client!.nextGsup();
    expect(r.type).toBe('SendAuthInfoResult');
    const res = r as { imsi: string; authTuples: { rand: string; sres: string; kc: string }[] };
    expect(res.imsi).toBe(IMSI);
    expect(res.authTuples.length).toBeGreaterThanOrEqual(1);
    for (const t of res.authTuples) {
      expect(t.rand).toMatch(/^[0-9a-f]{32}$/);
      expect(t.sres).toMatch(/^[0-9a-f]{8}$/);
      expect(t.kc).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(new Set(res.authTuples.map((t) => t.rand)).size).toBe(res.authTuples.length);
  });

  it('runs UpdateLocation: InsertSubscriberData with the MSISDN, then UpdateLocation Result', async () => {
    client!.send({ type: 'UpdateLocationRequest', imsi: IMSI, cnDomain: 2 });
    const isd = await client!.nextGsup();
    expect(isd).toMatchObject({ type: 'InsertDataRequest', imsi: IMSI, msisdn: { digits: MSISDN } });
    client!.send({ type: 'InsertDataResult', imsi: IMSI });
    const ul = await client!.nextGsup();
    expect(ul).toMatchObject({ type: 'UpdateLocationResult', imsi: IMSI });
  });

  it('answers SendAuthInfo for an unknown IMSI with an error and cause IMSI unknown (2)', async () => {
    client!.send({ type: 'SendAuthInfoRequest', imsi: UNKNOWN_IMSI, cnDomain: 2 });
    const e = await client!.nextGsup();
    expect(e).toMatchObject({ type: 'SendAuthInfoError', imsi: UNKNOWN_IMSI, cause: 2 });
  });

  it('every frame osmo-hlr sent re-encodes byte for byte (IPA and GSUP)', () => {
    expect(client!.received.length).toBeGreaterThanOrEqual(5);
    for (const raw of client!.received) {
      const m = ipaDecode(raw);
      expect(toHex(ipaEncode(m))).toBe(toHex(raw));
      if (m.proto === 'OSMO' && m.ext === 'GSUP') {
        const g = Buffer.from(m.payload, 'hex');
        expect(toHex(encode(decode(g)))).toBe(toHex(g));
      }
    }
  });
});

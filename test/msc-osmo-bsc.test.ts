import { afterAll, describe, expect, it } from 'vitest';
import { AInterface, A_DEFAULTS } from '../packages/msc/src/a-interface';
import { stubCtx } from '../packages/msc/test/stub-ctx';
import { bscInstalled, startOsmoBsc, type OsmoBsc } from './osmo-bsc-peer';
import { sleep } from './helpers';

/**
 * The MSC's A interface with the real osmo-bsc as its BSC (SCCPlite over
 * IPA): osmo-bsc connects, is identified, RESET goes both ways and both are
 * acknowledged, and the IPA keepalive holds. Fails (does not skip) when
 * osmo-bsc is not installed.
 */
describe('MSC A interface with osmo-bsc', () => {
  const stub = stubCtx();
  let bsc: OsmoBsc | undefined;
  afterAll(async () => {
    await bsc?.stop();
    for (const l of a?.links ?? []) l.close('test over');
    await stub.close();
  });
  let a: AInterface | undefined;

  it('connects, completes the BSSMAP RESET handshake (our RESET, its RESET ACKNOWLEDGE), and stays up with PING/PONG', async () => {
    expect(bscInstalled, 'osmo-bsc not found in PATH (apt-get install osmo-bsc)').toBe(true);
    const up: string[] = [];
    const resets: string[] = [];
    // The BSC's address is only known once osmo-bsc is configured: the list is filled in below, before it connects.
    const bscs = [{ name: 'osmo-bsc', host: '', lac: 1 }];
    a = new AInterface(stub.ctx, { ...A_DEFAULTS, port: 0, pingIntervalMs: 300, pongTimeoutMs: 1000, resetRepeatMs: 1000, bscs }, {
      onCompleteL3: (conn) => conn.refuse(),
      onDtap: () => undefined,
      onBssmap: () => undefined,
      onReleased: () => undefined,
      onLinkUp: (l) => void up.push(l.bsc.name),
      onLinkReset: (l) => void resets.push(l.bsc.name),
    });
    const port = await stub.port('a-interface');
    bsc = await startOsmoBsc(port);
    bscs[0]!.host = bsc.host;

    // Our RESET reaches osmo-bsc, which acknowledges it and calls the association up. (osmo-bsc's own
    // first RESET goes out before its IPA ASP is up and is lost; it then has no reason to send another.)
    await bsc.waitLog(/BSSMAP assocation is up/, 20_000, 'osmo-bsc to call the BSSMAP association up');
    expect(bsc.log()).toMatch(/RESET from MSC: RI=SSN_PC,PC=0\.23\.1,SSN=BSSAP/);
    expect(bsc.log()).toMatch(/Sending RESET ACK to MSC/);
    expect(up).toEqual(['osmo-bsc']);
    // Whatever RESET osmo-bsc did get through was acknowledged by us.
    expect(resets.length).toBeLessThanOrEqual(1);
    expect(await bsc.ctrlGet('msc.0.connection_status')).toBe('GET_REPLY 7 msc.0.connection_status connected');
    // Our RESET, acknowledged by osmo-bsc.
    await expect.poll(() => a!.status()[0]?.resetAcknowledged, { timeout: 10_000 }).toBe(true);
    const st = a.status()[0]!;
    expect(st).toMatchObject({ bsc: 'osmo-bsc', unit: 'asp-clnt-msc-0', state: 'ready', malformed: 0 });
    // Keepalive: several PING/PONG rounds without the link dropping.
    await sleep(1500);
    expect(a.links.size).toBe(1);
    expect(stub.lines.some((l) => l.msg === 'no IPA PONG; dropping the link')).toBe(false);
  }, 60_000);
});

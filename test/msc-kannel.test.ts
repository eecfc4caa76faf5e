import { afterAll, describe, expect, it } from 'vitest';
import { BscSim } from '@snaptel/bsc-sim';
import { KannelPeer, kannelAvailable } from './kannel-peer';
import { deployRecipe, freePorts, Running, tmpDir } from './helpers';

/**
 * Kannel (bearerbox + smsbox from Debian) as the application in front of
 * the deployed MSC image: an HTTP sendsms to smsbox becomes submit_sm to the
 * MSC's SMPP server, the MSC stores it and delivers it to a bsc-sim phone,
 * and the delivery receipt comes back to Kannel, which calls its dlr-url
 * with type 1 (delivered). A phone writes to a number routed to Kannel: the
 * deliver_sm reaches Kannel's sms-service (its get-url). Then the MSC is
 * stopped and run again from its image: Kannel binds again by itself and
 * the next message goes through. On CI this runs (and fails) without Kannel.
 */

const ALICE = { imsi: '001010000000001', msisdn: '1001', ki: '000102030405060708090a0b0c0d0e0f', algo: 'comp128v1' as const };
const BOB = { imsi: '001010000000002', msisdn: '1002', ki: '0f0e0d0c0b0a09080706050403020100', algo: 'comp128v1' as const };

let msc: Running | undefined;
let bsc: BscSim | undefined;
let kannel: KannelPeer | undefined;
afterAll(async () => {
  await kannel?.stop();
  await bsc?.stop().catch(() => undefined);
  msc?.kill();
});

describe.skipIf(!kannelAvailable && !process.env.CI)('Kannel bearerbox as the ESME of the MSC image', () => {
  it('sendsms -> phone -> DLR delivered; phone -> Kannel get-url; Kannel re-binds after the MSC restarts', async () => {
    const dir = tmpDir('msc-kannel');
    const [aPort, smppPort] = await freePorts(2);
    const img = deployRecipe(dir, 'msc', {
      package: ['hlr', 'msc'],
      packages: {
        hlr: { subscribers: [ALICE, BOB] },
        msc: {
          a: { host: '127.0.0.1', port: aPort, bscs: [{ name: 'bsc-8', host: '127.0.0.1', lac: 8 }] },
          sms: { routes: [{ prefix: '55', esme: 'kannel' }] },
          smpp: { host: '127.0.0.1', port: smppPort, esmes: [{ systemId: 'kannel', password: 'kpw', systemType: 'SNAPTEL' }] },
        },
      },
    });
    msc = new Running(['run', img]);
    await msc.ready();
    bsc = new BscSim({ msc: { host: '127.0.0.1', port: aPort! }, lac: 8, pingIntervalMs: 0 });
    await bsc.start({ timeoutMs: 10_000 });
    const alice = bsc.addMs({ ...ALICE });
    const bob = bsc.addMs({ ...BOB });
    for (const ms of [alice, bob]) expect((await ms.locationUpdate()).accepted).toBe(true);

    kannel = await KannelPeer.start({ dir, smscHost: '127.0.0.1', smscPort: smppPort!, systemId: 'kannel', password: 'kpw', systemType: 'SNAPTEL' });
    await msc.line((l) => l.msg === 'smpp: ESME bound' && l.systemId === 'kannel', 'Kannel bound', 15_000);

    // Kannel -> MSC -> bob, and the receipt back to Kannel.
    const got = new Promise<any>((r) => bob.once('sms', r));
    const sent = await kannel.sendSms({ from: '5500', to: '1002', text: 'Hello from Kannel €', dlrMask: 3 });
    expect(sent.httpStatus, sent.body).toBe(202);
    const sms = await got;
    expect(sms.text).toBe('Hello from Kannel €');
    expect(sms.sender).toContain('5500');
    await kannel.waitFor(() => kannel!.dlrs.some((d) => d.id === sent.id && d.type === 1), 20_000, 'the delivered DLR');
    const dlr = kannel.dlrs.find((d) => d.id === sent.id && d.type === 1)!;
    expect(dlr.answer).toMatch(/stat:DELIVRD/);

    // bob -> Kannel: the number is routed to the ESME 'kannel'.
    const mo = await bob.sendSms('5501', 'reply from bob');
    expect(mo.accepted, JSON.stringify(mo)).toBe(true);
    await kannel.waitFor(() => kannel!.mo.length >= 1, 20_000, 'the MO message at the get-url');
    expect(kannel.mo[0]).toMatchObject({ to: '5501', text: 'reply from bob' });
    expect(kannel.mo[0]!.from).toMatch(/1002$/);

    // The MSC goes away and comes back from its image: Kannel binds again by itself.
    await msc.stop();
    msc = new Running(['run', img]);
    await msc.ready();
    await msc.line((l) => l.msg === 'smpp: ESME bound' && l.systemId === 'kannel', 'Kannel bound again', 30_000);
    await bsc.waitLinkUp(15_000);
    expect((await bob.locationUpdate()).accepted).toBe(true);
    const got2 = new Promise<any>((r) => bob.once('sms', r));
    const sent2 = await kannel.sendSms({ from: '5500', to: '1002', text: 'after the restart', dlrMask: 3 });
    expect(sent2.httpStatus, sent2.body).toBe(202);
    expect((await got2).text).toBe('after the restart');
    await kannel.waitFor(() => kannel!.dlrs.some((d) => d.id === sent2.id && d.type === 1), 20_000, 'the second DLR');

    await kannel.stop();
    kannel = undefined;
    await bsc.stop();
    bsc = undefined;
    await msc.stop();
    msc = undefined;
  }, 120_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import { SmppClient, standaloneContext, type Delivered, type StandaloneContext } from '../src';
import { sleep, smpp } from './helpers';

/** The npm smpp package's server plays the external SMSC. */
async function smsc(): Promise<{ server: any; port: number; host: string; sessions: any[]; submits: any[] }> {
  const sessions: any[] = [];
  const submits: any[] = [];
  const server = smpp.createServer((session: any) => {
    sessions.push(session);
    session.on('error', () => {});
    session.on('bind_transceiver', (pdu: any) => {
      if (pdu.password !== 'pw') return session.send(pdu.response({ command_status: smpp.ESME_RINVPASWD }));
      session.send(pdu.response({ system_id: 'EXT' }));
    });
    session.on('submit_sm', (pdu: any) => {
      submits.push(pdu);
      session.send(pdu.response({ message_id: `ext-${submits.length}` }));
    });
    session.on('enquire_link', (pdu: any) => session.send(pdu.response()));
  });
  const host = `127.0.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
  await new Promise<void>((r) => server.listen(0, host, r));
  return { server, port: server.address().port, host, sessions, submits };
}

let ctx: StandaloneContext | undefined;
let ext: Awaited<ReturnType<typeof smsc>> | undefined;
let client: SmppClient | undefined;
afterEach(async () => {
  client?.close();
  await ctx?.close();
  for (const s of ext?.sessions ?? []) s.destroy();
  await new Promise((r) => ext?.server.close(r) ?? r(undefined));
  ctx = undefined;
  ext = undefined;
  client = undefined;
});

const until = async (f: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
};

describe('ESME client mode towards an external SMSC (the npm smpp server)', () => {
  it('binds, submits, receives deliver_sm, binds again after the SMSC drops the link', async () => {
    ext = await smsc();
    ctx = standaloneContext();
    client = new SmppClient(ctx, { host: ext.host, port: ext.port, systemId: 'msc', password: 'pw' });
    const got: Delivered[] = [];
    client.onDeliver((d) => (got.push(d), 0));
    await until(() => client!.bound());
    const r = await client.submit({ source: { ton: 1, npi: 1, addr: '4915112345' }, destination: { ton: 1, npi: 1, addr: '4917099999' }, text: 'MO via SMPP' });
    expect(r).toEqual({ messageId: 'ext-1' });
    expect(ext.submits[0].destination_addr).toBe('4917099999');
    expect(ext.submits[0].short_message.message).toBe('MO via SMPP');

    const resp = await new Promise<any>((res) => ext!.sessions[0].deliver_sm({ source_addr: '555', destination_addr: '4915112345', data_coding: 0, short_message: 'MT from the SMSC' }, res));
    expect(resp.command_status).toBe(0);
    expect(got[0]!.pdu.body.source_addr).toBe('555');
    expect(got[0]!.userData?.ud.text).toBe('MT from the SMSC');

    ext.sessions[0].destroy();
    await until(() => ext!.sessions.length === 2 && client!.bound());
    expect(client.counters.binds).toBe(2);
    expect(await client.submit({ source: { ton: 0, npi: 0, addr: '1' }, destination: { ton: 0, npi: 0, addr: '2' }, text: 'again' })).toEqual({ messageId: 'ext-2' });
  });

  it('a refused bind is logged and retried; submit meanwhile: no-link', async () => {
    ext = await smsc();
    const logs: string[] = [];
    const log = { debug() {}, info() {}, error() {}, warn: (_o: object, m?: string) => logs.push(m ?? '') };
    ctx = standaloneContext(log);
    client = new SmppClient(ctx, { host: ext.host, port: ext.port, systemId: 'msc', password: 'bad' });
    await until(() => logs.length >= 2);
    expect(logs[0]).toMatch(/bind refused/);
    expect(client.bound()).toBe(false);
    expect(await client.submit({ source: { ton: 0, npi: 0, addr: '1' }, destination: { ton: 0, npi: 0, addr: '2' }, text: 'x' })).toBe('no-link');
  });
});

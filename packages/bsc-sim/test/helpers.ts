import { BscSim, type BscSimOptions } from '../src';
import { FakeMsc } from './fake-msc';

/** A fake MSC and a BscSim whose link is up (CCM done, RESET acknowledged). */
export async function linkUp(opts: BscSimOptions = {}): Promise<{ msc: FakeMsc; bsc: BscSim }> {
  const msc = await FakeMsc.start();
  const bsc = new BscSim({ msc: `127.0.0.1:${msc.port}`, ...opts });
  const started = bsc.start({ timeoutMs: 5000 });
  await msc.waitConnection(1);
  await msc.handshake();
  await started;
  return { msc, bsc };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** osmo-hlr tests/auc/auc_test.c (test_gen_vectors_2g_only): COMP128v1 Ki, RAND and the SRES/Kc it expects. */
export const COMP128 = { ki: 'eb215756028d60e3275e613320aec880', rand: '39fa2f4e3d523d8619a73b4f65c3e14d', sres: '429d5b27', kc: '241a5b16aeb8e400' };

/** 3GPP TS 35.208 §4.3, MILENAGE test set 1. */
export const MILENAGE1 = {
  k: '465b5ce8b199b49faa5f0a2ee238a6bc',
  rand: '23553cbe9637a89d218ae64dae47bf35',
  sqn: 'ff9bb4d0b607',
  amf: 'b9b9',
  opc: 'cd63cb71954a9f4e48a5994e37a02baf',
  f1: '4a9ffac354dfafb3',
  f2: 'a54211d5e3ba50bf',
  f3: 'b40ba9a3c58b2a05bbf0d987b21bf8cb',
  f4: 'f769bcd751044604127672711c6d3441',
  f5: 'aa689c648370',
  f5s: '451e8beca43b',
};

export function xorHex(a: string, b: string): string {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return Buffer.from(x.map((v, i) => v ^ y[i]!)).toString('hex');
}

/** AUTN = (SQN xor AK) || AMF || MAC-A (TS 33.102 §6.3.2), from the test set's values. */
export function autn1(): string {
  return xorHex(MILENAGE1.sqn, MILENAGE1.f5) + MILENAGE1.amf + MILENAGE1.f1;
}

/** Kc = c3(CK, IK) = CK1 xor CK2 xor IK1 xor IK2 (TS 33.102 §6.8.1.2), written out here. */
export function c3(ck: string, ik: string): string {
  return xorHex(xorHex(ck.slice(0, 16), ck.slice(16)), xorHex(ik.slice(0, 16), ik.slice(16)));
}

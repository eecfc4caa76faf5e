import { need } from './bytes';
import { AuthError } from './errors';

/**
 * GSM conversion functions of TS 33.102 §6.8.1.2, used when a UMTS
 * subscriber (a USIM) is authenticated in a GSM context.
 */

/**
 * c2: SRES from RES/XRES. RES (4..16 bytes) is padded with zeros to 128 bits,
 * cut into four 32-bit words, and the words are xor-ed:
 * SRES = XRES*1 xor XRES*2 xor XRES*3 xor XRES*4.
 */
export function c2(res: Uint8Array): Uint8Array {
  if (!(res instanceof Uint8Array)) throw new AuthError('bad-type', 'c2', 'res', 'res must be a Uint8Array');
  if (res.length < 4 || res.length > 16)
    throw new AuthError('bad-length', 'c2', 'res', `res must be 4..16 bytes, got ${res.length}`);
  const sres = new Uint8Array(4);
  for (let i = 0; i < res.length; i++) sres[i & 3]! ^= res[i]!;
  return sres;
}

/** c3: Kc = CK1 xor CK2 xor IK1 xor IK2, the 64-bit halves of CK and IK (16 bytes each). */
export function c3(ck: Uint8Array, ik: Uint8Array): Uint8Array {
  need('c3', 'ck', ck, 16);
  need('c3', 'ik', ik, 16);
  const kc = new Uint8Array(8);
  for (let i = 0; i < 8; i++) kc[i] = ck[i]! ^ ck[i + 8]! ^ ik[i]! ^ ik[i + 8]!;
  return kc;
}

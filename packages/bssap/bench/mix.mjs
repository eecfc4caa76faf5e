// The BSSMAP + DTAP mix of an A interface: BSSMAP vectors from libosmocore
// tests/gsm0808 and libosmo-sccp (see test/vectors.ts), DTAP from osmo-msc
// tests/msc_vlr. [direction, BSSAP bytes]; shared with scripts/bench-mix.mjs.
const hex = (s) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const dtap = (dir, l3) => [dir, `01 00 ${(l3.replace(/\s/g, '').length / 2).toString(16).padStart(2, '0')} ${l3}`];
export const MIX = [
  ['mo', '0024 57 0508 0009f1070017 4711 1717 050870 09f107 0017 57 089910070000106005 3303575886'], // Complete L3: LU Request
  ['mo', '001d 57 0508 0072f4802012c350 1710 052411033319a2082947100201319761'], // Complete L3: CM Service Request
  ['mt', '0010 52 080809101000000021 43 1a03052342'], // Paging
  ['mt', '000c 53 0a0903aabbccddeeff2342'], // Cipher Mode Command
  ['mo', '0008 55 2003234221 2c04'], // Cipher Mode Complete
  dtap('mo', '0385 0406600402000581 5e038121f3 15020100 4008 04026000 00021f00'), // CC Setup (MO)
  dtap('mt', '8302'), // Call Proceeding
  ['mt', '0020 01 0b04010ba125 010004 7c06c0a8641704d2 7d0753efcda29ffdc0 7fddccbbaa'], // Assignment Request (AoIP)
  ['mo', '001f 02 1523 2142 2c11 4022 7c06c0a8641704d2 7e0191 7d0753efcda29ffdc0 8d03'], // Assignment Complete (AoIP)
  dtap('mt', '8301'), // Alerting
  dtap('mt', '8307'), // Connect
  dtap('mo', '03cf'), // Connect Ack
  dtap('mo', '032502e090'), // Disconnect
  dtap('mt', '832d'), // Release
  dtap('mo', '036a'), // Release Complete
  ['mt', '0004 20 040109'], // Clear Command
  ['mo', '0001 21'], // Clear Complete
].map(([d, h]) => [d, hex(h)]);

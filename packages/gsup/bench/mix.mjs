// A location update and auth mix as an MSC/VLR sees it (shapes from
// libosmocore's gsup_test.c). Bare GSUP messages; shared with scripts/bench-mix.mjs.
const fromHex = (s) => new Uint8Array(Buffer.from(s.replace(/\s/g, ''), 'hex'));
const IMSI = '01 08 21 43 65 87 09 21 43 f5';
const TUPLE = '03 22 20 10 0102030405060708090a0b0c0d0e0f10 21 04 21222324 22 08 3132333435363738';
export const MIX = [
  `08 ${IMSI} 28 01 02 0a 01 01`, // SendAuthInfo Request
  `0a ${IMSI} ${TUPLE} ${TUPLE} ${TUPLE}`, // SendAuthInfo Result, 3 tuples
  `04 ${IMSI} 28 01 02`, // UpdateLocation Request
  `10 ${IMSI} 08 07 91 94 61 46 32 24 43 28 01 02`, // InsertData Request
  `12 ${IMSI}`, // InsertData Result
  `06 ${IMSI}`, // UpdateLocation Result
  `09 ${IMSI} 02 01 02`, // SendAuthInfo Error
  `24 ${IMSI} 40 01 fa 41 08 03 91 52 75 47 99 09 82 42 01 ff 43 17 11000b916407281553f80000aa0ae8329bfd4697d9ec37`, // MO-forwardSM
].map(fromHex);

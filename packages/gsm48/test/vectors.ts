/**
 * DTAP vectors from outside this project: the hex L3 messages that
 * osmo-msc's end-to-end tests send as the MS (`ms_sends_msg`) or expect
 * the MSC to send (`dtap_expect_tx`). Facts only (the octets), with the
 * file they come from:
 *   [call]   osmocom/osmo-msc tests/msc_vlr/msc_vlr_test_call.c
 *   [authen] osmocom/osmo-msc tests/msc_vlr/msc_vlr_test_gsm_authen.c
 * The expected values beside each were written by hand from TS 24.008,
 * 24.011 and 44.018 (and the comments in those tests), not by our decoder.
 */
export interface Vector {
  name: string;
  source: 'call' | 'authen';
  direction: 'mo' | 'mt';
  hex: string;
}

export const VECTORS: Vector[] = [
  // [call] lu_utran_tmsi(): LU Request, normal, CKSN 7, LAI 901/70 LAC 23, classmark 1 0x57, IMSI, classmark for UMTS
  { name: 'LU Request (IMSI, MCC 901 MNC 70 LAC 23)', source: 'call', direction: 'mo', hex: '050870 09f107 0017 57 089910070000106005 3303575886' },
  // [call] UMTS Authentication Response: SRES + extended RES
  { name: 'Authentication Response with extended RES', source: 'call', direction: 'mo', hex: '0554 e229c19e 2104 791f2e41' },
  { name: 'TMSI Reallocation Complete', source: 'call', direction: 'mo', hex: '055b' },
  // [call] test_call_mo(): CM Service Request, MO call, CKSN 7
  { name: 'CM Service Request (MO call, IMSI)', source: 'call', direction: 'mo', hex: '052471 03575886 089910070000106005' },
  // [call] CC Setup with N(SD) = 2, bearer capability, called number "123", CC capabilities, supported codecs
  { name: 'CC Setup MO (called 123)', source: 'call', direction: 'mo', hex: '0385 0406600402000581 5e038121f3 15020100 4008 04026000 00021f00' },
  { name: 'CC Call Proceeding', source: 'call', direction: 'mt', hex: '8302' },
  { name: 'CC Alerting (to MS)', source: 'call', direction: 'mt', hex: '8301' },
  { name: 'CC Connect (to MS)', source: 'call', direction: 'mt', hex: '8307' },
  { name: 'CC Connect Acknowledge (N(SD) 3)', source: 'call', direction: 'mo', hex: '03cf' },
  { name: 'CC Disconnect (cause 16)', source: 'call', direction: 'mo', hex: '032502e090' },
  { name: 'CC Release (to MS)', source: 'call', direction: 'mt', hex: '832d' },
  { name: 'CC Release Complete', source: 'call', direction: 'mo', hex: '036a' },
  // [call] test_call_mt()
  { name: 'RR Paging Response (IMSI)', source: 'call', direction: 'mo', hex: '062707 03575886 089910070000106005' },
  { name: 'CC Setup MT (bearer capability only)', source: 'call', direction: 'mt', hex: '0305 0403600485' },
  { name: 'CC Call Confirmed', source: 'call', direction: 'mo', hex: '8348 0406600402000581 15020100 40080402600400021f00' },
  { name: 'CC Alerting (from MS)', source: 'call', direction: 'mo', hex: '8381' },
  { name: 'CC Connect (from MS)', source: 'call', direction: 'mo', hex: '83c7' },
  { name: 'CC Connect Acknowledge (to MS)', source: 'call', direction: 'mt', hex: '030f' },
  // [authen] test_gsm_authen()
  { name: 'LU Request (IMSI attach, CKSN 0)', source: 'authen', direction: 'mo', hex: '050802008168000130089910070000006402' },
  { name: 'Authentication Response (SRES)', source: 'authen', direction: 'mo', hex: '05542d8b2c3e' },
  { name: 'CM Service Request (SS, IMSI)', source: 'authen', direction: 'mo', hex: '05247803305886089910070000006402' },
  { name: 'SS Register (USSD, facility + SS version)', source: 'authen', direction: 'mo', hex: '0b3b1c15a11302010002013b300b04010f0406aa510c061b017f0100' },
  { name: 'RR Paging Response (IMSI, classmark 2 305882)', source: 'authen', direction: 'mo', hex: '06270703305882089910070000006402' },
  {
    name: 'CP-DATA / RP-DATA (network to MS) / SMS-DELIVER',
    source: 'authen',
    direction: 'mt',
    hex:
      '0901 58 01 00 0791447758100650 00 4c 00 05806470f1 00 00 071010 000000 00 44' +
      '5079da1e1ee7416937485e9ea7c965373d1d6683c270383b3d0ed3d36ff71c949e83c22072799e9687c5ec32a81d96afcbf4b4fb0c7ac3e9e9b7db05',
  },
  { name: 'CP-ACK (from MS, TI flag 1)', source: 'authen', direction: 'mo', hex: '8904' },
  { name: 'CP-DATA / RP-ACK (MS to network) / SMS-DELIVER-REPORT', source: 'authen', direction: 'mo', hex: '890106020041020000' },
  { name: 'CP-ACK (to MS)', source: 'authen', direction: 'mt', hex: '0904' },
  { name: 'IMSI Detach Indication', source: 'authen', direction: 'mo', hex: '050130089910070000006402' },
  // [authen] test_gsm_authen_tmsi()
  { name: 'CM Service Request (TMSI 0x03020100)', source: 'authen', direction: 'mo', hex: '05247803305886 05f4 03020100' },
  { name: 'LU Request (TMSI 0x03020100)', source: 'authen', direction: 'mo', hex: '050802008168000130 05f4 03020100' },
];

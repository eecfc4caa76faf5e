/**
 * GSUP test vectors: the byte arrays of libosmocore's tests/gsup/gsup_test.c
 * (test_gsup_messages_dec_enc, osmocom/libosmocore on GitHub), copied as
 * facts (hex), with the test's macro IEs expanded. libosmocore's own test
 * decodes and re-encodes each of them and expects the same bytes.
 */
const IMSI = '01 08 21 43 65 87 09 21 43 f5'; // TEST_IMSI_IE, IMSI 123456789012345
const CLASS_SUBSCR = '0a 01 01';
const CLASS_INTER_MSC = '0a 01 04';
const MSISDN = '08 07 91 94 61 46 32 24 43';
const AN_APDU = '62 05 01 42 42 42 42';
const SOURCE_NAME = '60 05 4d 53 43 2d 41'; // "MSC-A"
const DESTINATION_NAME = '61 05 4d 53 43 2d 42'; // "MSC-B"
const session = (state: string) => `30 04 de ad be ef 31 01 ${state}`;
const HO = `${CLASS_INTER_MSC} ${SOURCE_NAME} ${DESTINATION_NAME}`;

export const LIBOSMOCORE_GSUP: { name: string; hex: string }[] = [
  { name: 'send_auth_info_req', hex: `08 ${IMSI} ${CLASS_SUBSCR}` },
  { name: 'send_auth_info_req10', hex: `08 ${IMSI} 52 01 0a ${CLASS_SUBSCR}` },
  { name: 'send_auth_info_err', hex: `09 ${IMSI} 02 01 07` },
  {
    name: 'send_auth_info_res',
    hex: `0a ${IMSI}
      03 22 20 10 0102030405060708090a0b0c0d0e0f10 21 04 21222324 22 08 3132333435363738
      03 22 20 10 8182838485868788898a8b8c8d8e8f90 21 04 a1a2a3a4 22 08 b1b2b3b4b5b6b7b8`,
  },
  { name: 'update_location_req', hex: `04 ${IMSI}` },
  { name: 'update_location_err', hex: `05 ${IMSI} 02 01 07` },
  {
    name: 'update_location_res',
    hex: `06 ${IMSI} ${MSISDN} 09 07 91 83 52 38 48 83 93 04 00
      05 19 10 01 01 11 02 f1 21 12 09 04 74 65 73 74 03 61 70 6e 13 01 02 14 02 ff 23
      05 11 10 01 02 11 02 f1 21 12 08 03 66 6f 6f 03 61 70 6e
      14 02 ae ff`,
  },
  { name: 'location_cancellation_req', hex: `1c ${IMSI} 06 01 00` },
  { name: 'location_cancellation_err', hex: `1d ${IMSI} 02 01 03` },
  { name: 'location_cancellation_res', hex: `1e ${IMSI}` },
  { name: 'purge_ms_req', hex: `0c ${IMSI}` },
  { name: 'purge_ms_err', hex: `0d ${IMSI} 02 01 03` },
  { name: 'purge_ms_res', hex: `0e ${IMSI} 07 00` },
  {
    name: 'send_auth_info_res_umts',
    hex: `0a ${IMSI}
      03 62 20 10 0102030405060708090a0b0c0d0e0f10 21 04 21222324 22 08 3132333435363738
        23 10 0102030405060708090a0b0c0d0e0f10 24 10 0102030405060708090a0b0c0d0e0f10
        25 10 0102030405060708090a0b0c0d0e0f10 27 08 0102030405060708
      03 62 20 10 a1a2a3a4a5a6a7a8a9aaabacadaeaf10 21 04 b1b2b3b4 22 08 c1c2c3c4c5c6c7c8
        23 10 d1d2d3d4d5d6d7d8d9dadbdcdddedfd0 24 10 e1e2e3e4e5e6e7e8e9eaebecedeeefe0
        25 10 f1f2f3f4f5f6f7f8f9fafbfcfdfefff0 27 08 9192939495969798`,
  },
  {
    name: 'send_auth_info_req_auts',
    hex: `08 ${IMSI} 26 0e 0102030405060708090a0b0c0d0e 20 10 0102030405060708090a0b0c0d0e0f10`,
  },
  { name: 'dummy_session_ies', hex: `2b ${IMSI} ${session('01')}` },
  {
    name: 'send_ussd_req',
    hex: `20 ${IMSI} ${session('01')} 35 14 a1 12 02 01 01 02 01 3b 30 0a 04 01 0f 04 05 aa 18 0c 36 02`,
  },
  { name: 'send_ussd_res', hex: `22 ${IMSI} ${session('03')} 35 08 a3 06 02 01 01 02 01 47` },
  {
    name: 'send_mo_forward_sm_req',
    hex: `24 ${IMSI} 40 01 fa 41 08 03 91 52 75 47 99 09 82 42 01 ff 43 04 de ad be ef`,
  },
  {
    name: 'send_mt_forward_sm_req',
    hex: `28 ${IMSI} 40 01 fa 41 09 01 21 43 65 87 09 21 43 f5 42 08 03 91 52 75 47 99 09 82 43 04 de ad be ef 45 01 01`,
  },
  { name: 'send_mo_mt_forward_sm_err', hex: `25 ${IMSI} 40 01 fa 44 01 af` },
  { name: 'send_mo_mt_forward_sm_rsp', hex: `2a ${IMSI} 40 01 fa 43 04 de ad be ef` },
  { name: 'send_ready_for_sm_ind', hex: `2c ${IMSI} 46 01 02` },
  { name: 'send_check_imei_req', hex: `30 ${IMSI} 50 09 42 42 42 42 42 42 42 42 42` },
  { name: 'send_check_imei_err', hex: `31 ${IMSI} 02 01 60` },
  { name: 'send_check_imei_res', hex: `32 ${IMSI} 51 01 00` },
  { name: 'send_e_prepare_handover_req', hex: `34 ${IMSI} ${session('01')} ${HO} ${AN_APDU}` },
  { name: 'send_e_prepare_handover_err', hex: `35 ${IMSI} ${session('02')} ${HO} 64 01 51` },
  { name: 'send_e_prepare_handover_res', hex: `36 ${IMSI} ${MSISDN} ${session('02')} ${HO} ${AN_APDU}` },
  { name: 'send_e_prepare_subsequent_handover_req', hex: `38 ${IMSI} ${session('01')} ${HO} ${AN_APDU}` },
  { name: 'send_e_prepare_subsequent_handover_err', hex: `39 ${IMSI} ${session('02')} ${HO} 64 01 51` },
  { name: 'send_e_prepare_subsequent_handover_res', hex: `3a ${IMSI} ${session('02')} ${HO} ${AN_APDU}` },
  { name: 'send_e_send_end_signal_req', hex: `3c ${IMSI} ${session('03')} ${HO} ${AN_APDU}` },
  { name: 'send_e_send_end_signal_err', hex: `3d ${IMSI} ${session('02')} ${HO} 64 01 51` },
  { name: 'send_e_process_access_signalling_req', hex: `40 ${IMSI} ${session('02')} ${HO} ${AN_APDU}` },
  { name: 'send_e_send_end_signal_res', hex: `3e ${IMSI} ${session('03')} ${HO} ${AN_APDU}` },
  { name: 'send_e_forward_access_signalling_req', hex: `44 ${IMSI} ${session('02')} ${HO} ${AN_APDU}` },
  { name: 'send_e_close', hex: `47 ${IMSI} ${session('03')} ${HO}` },
  { name: 'send_e_abort', hex: `4b ${IMSI} ${session('03')} ${CLASS_INTER_MSC} 64 01 51` },
  { name: 'send_e_routing_error', hex: `4e ${IMSI} ${session('03')} ${HO}` },
];

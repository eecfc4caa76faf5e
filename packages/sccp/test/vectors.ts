/**
 * SCCP messages from public test suites of other implementations (facts:
 * the bytes, transcribed to hex; no code taken).
 *
 * - libosmo-sccp tests/sccp/sccp_test.c (also tests/xua/sccp_test_data.c in
 *   libosmo-sccp / libosmo-sigtran): the BSSMAP-over-SCCP arrays bssmap_reset,
 *   bssmap_reset_ack, bssmap_paging, bssmap_udt, bssmap_cr, bssmap_cc,
 *   bssmap_dtap, bssmap_clear, bssmap_released, bssmap_release_complete,
 *   tcap_global_title, it_test, proto_err; and ludt_ranap_reset (LUDT,
 *   which this codec keeps raw).
 * - otc (Open Telecom Codecs, github.com/sebastiw/otc)
 *   test/otc_sccp_codec_tests.erl: udt_test, xudt_test,
 *   xudt_opt_segmentation_test, udts_test, xudts_test,
 *   xudts_arbitrary_pointers_test (input and its re-encoding), xudts_ansi_test,
 *   built there from called_party_address_itu(), calling_party_address_itu()
 *   and data() = 01..18.
 */
export interface Vector {
  name: string;
  source: string;
  hex: string;
}

const OSMO = 'libosmo-sccp tests/sccp/sccp_test.c';
const OTC = 'otc test/otc_sccp_codec_tests.erl';

export const VECTORS: Vector[] = [
  { name: 'bssmap_reset', source: OSMO, hex: '09000305070242fe0242fe06000430040120' },
  { name: 'bssmap_reset_ack', source: OSMO, hex: '090003070b04430100fe04435c00fe03000131' },
  { name: 'bssmap_paging', source: OSMO, hex: '090003070b04430100fe04435c00fe10000e52080829471002013197611a0106' },
  { name: 'bssmap_udt', source: OSMO, hex: '09000305070242fe0242fe10000e52080829471002013197611a0106' },
  { name: 'bssmap_cr', source: OSMO, hex: '010102030202040242fe0f1f001d5705080072f4802012c3501710052411033319a208294710020131976100' },
  { name: 'bssmap_cc', source: OSMO, hex: '02010203000003020100' },
  { name: 'bssmap_dtap', source: OSMO, hex: '0600000300010f01000c03055c0811813366021345f4' },
  { name: 'bssmap_clear', source: OSMO, hex: '06000003000106000420040109' },
  { name: 'bssmap_released', source: OSMO, hex: '0400000301020300010f02234200' },
  { name: 'bssmap_release_complete', source: OSMO, hex: '05010203000003' },
  {
    name: 'tcap_global_title',
    source: OSMO,
    hex:
      '0981030d180a120700120453840900170b12060012044487200020659a6581974804260001984904510103df6c8188a181850201440201073080a780a0' +
      '8004012b30803012830110840107850791445776671697860120300682011884010400000000a306040142840105a306040151840105a30604013184' +
      '0105a309040112840105820102a309040111840105810101a306040114840100a30b0401418401043003830110a30b040141840104300382011800000000',
  },
  { name: 'it_test', source: OSMO, hex: '1001079401040002000000' },
  { name: 'proto_err', source: OSMO, hex: '0f0c040000' },
  { name: 'ludt_ranap_reset', source: 'libosmo-sigtran tests/xua/sccp_test_data.c', hex: '13000f07000a000d0000000443c4048e0443e9038e11000009000d00000200044001420003000100' },
  { name: 'otc_udt', source: OTC, hex: '0980030e190b12080012046427112211220b1206001108642789786706180102030405060708090a0b0c0d0e0f101112131415161718' },
  { name: 'otc_xudt', source: OTC, hex: '11810f040f1a000b12080012046427112211220b1206001108642789786706180102030405060708090a0b0c0d0e0f101112131415161718' },
  {
    name: 'otc_xudt_segmentation',
    source: OTC,
    hex: '11010d040f1a320b12080012046427112211220b1206001108642789786706180102030405060708090a0b0c0d0e0f10111213141516171810040102030400',
  },
  { name: 'otc_udts', source: OTC, hex: '0a01030e190b12060011086427897867060b1208001204642711221122180102030405060708090a0b0c0d0e0f101112131415161718' },
  { name: 'otc_xudts', source: OTC, hex: '12010f040f1a000b12060011086427897867060b1208001204642711221122180102030405060708090a0b0c0d0e0f101112131415161718' },
  {
    name: 'otc_xudts_arbitrary_pointers',
    source: OTC,
    hex: '12070f10031a000b12060011086427897867060b1208001204642711221122180102030405060708090a0b0c0d0e0f101112131415161718',
  },
  { name: 'otc_xudt_ansi', source: OTC, hex: '118005040d16000989060e5134128967050989070e113254769800180102030405060708090a0b0c0d0e0f101112131415161718' },
];

/** otc's re-encoding of otc_xudts_arbitrary_pointers: the same message with the parameters in pointer order. */
export const OTC_XUDTS_ARBITRARY_REENCODED =
  '12070f040f1a000b12080012046427112211220b1206001108642789786706180102030405060708090a0b0c0d0e0f101112131415161718';

/**
 * Address encodings from libosmo-sigtran tests/xua/xua_test.c: the parse cases
 * (addr_bin0..2) and the encode cases (enc_cases, name and exp_out).
 */
export const OSMO_ADDRESSES: { name: string; hex: string }[] = [
  { name: 'addr_bin0', hex: '9206001204199996763998' },
  { name: 'addr_bin1', hex: '1208001204198996929929' },
  { name: 'addr_bin2', hex: '42fe' },
  { name: 'NOGT-PC1024', hex: '410004' },
  { name: 'NOGT-PC16383', hex: '41ff3f' },
  { name: 'NOGT-PC16383-SSN90', hex: '43ff3f5a' },
  { name: 'GT-PC16383-NAIONLY', hex: '45ff3f7f' },
  { name: 'GT-NOPC-NAIONLY', hex: '0403' },
  { name: 'GT-NOPC-TT_NPL_ENC-ODD', hex: '0c03112103' },
  { name: 'GT-NOPC-TT_NPL_ENC-EVEN', hex: '0c03122143' },
  { name: 'GT-NOPC-TT_NPL_ENC_NAI-EVEN', hex: '100312042143' },
  { name: 'GT-NOPC-TT_NPL_ENC_NAI-EVEN-NONNUM', hex: '10031204a1fb' },
];

/**
 * TPDUs from outside this project. Each is the TPDU alone: where the source
 * shows a modem PDU, the leading SMSC address (RP layer, not TPDU) is
 * stripped, as noted. Expected field values are read off the sources'
 * own annotations (or by hand from the octets), never computed by our code.
 */
export interface Vector {
  name: string;
  source: string;
  direction: 'mo' | 'mt';
  hex: string;
}

export const VECTORS: Vector[] = [
  {
    name: 'dreamfabric SMS-DELIVER "hellohello"',
    // "SMS messages and the PDU format" (dreamfabric.com, mirrored at subnets.ru/saved/sms_pdu_format.html):
    // 07917283010010F5 040BC87238880900F10000993092516195800AE8329BFD4697D9EC37; SMSC "07917283010010F5" stripped.
    source: 'http://subnets.ru/saved/sms_pdu_format.html',
    direction: 'mt',
    hex: '040BC87238880900F10000993092516195800AE8329BFD4697D9EC37',
  },
  {
    name: 'dreamfabric SMS-SUBMIT "hellohello", VP AA (4 days)',
    // same page: 0011000B916407281553F80000AA0AE8329BFD4697D9EC37; SMSC length "00" stripped.
    source: 'http://www.turbocontrol.com/CoolStuff/SMS%20messages%20and%20the%20PDU%20format.htm',
    direction: 'mo',
    hex: '11000B916407281553F80000AA0AE8329BFD4697D9EC37',
  },
  {
    name: 'SMS-DELIVER "How are you?" from +31641600986',
    // linys668/gsm-pdu src/test/java/org/example/Test.java and many PDU tutorials:
    // 07911326040000F0 040B911346610089F60000208062917314080CC8F71D14969741F977FD07; SMSC stripped.
    source: 'github.com/linys668/gsm-pdu src/test/java/org/example/Test.java',
    direction: 'mt',
    hex: '040B911346610089F60000208062917314080CC8F71D14969741F977FD07',
  },
  {
    name: 'SMS-SUBMIT "hello" with TP-PID 0x40 (short message type 0) to +819001234567',
    // accessvba.blogsky.com/tag/TP-PID: 0001000C91180910325476400005E8329BFD06; SMSC length "00" stripped.
    source: 'https://accessvba.blogsky.com/tag/TP-PID',
    direction: 'mo',
    hex: '01000C91180910325476400005E8329BFD06',
  },
  {
    name: 'SMS-SUBMIT 8-bit "hello", DCS F6 (class 2, 8-bit)',
    // 9cbs.com/read-46256.html: 0791947101670000 11000781214365F700F6AA0568656C6C6F; SMSC stripped.
    source: 'https://9cbs.com/read-46256.html',
    direction: 'mo',
    hex: '11000781214365F700F6AA0568656C6C6F',
  },
  {
    name: 'SMS-STATUS-REPORT RA 1234, SCTS = DT = 2011-03-22 14:25:40 +09:00, ST 0',
    // github.com/fkgi/sms statusreport_test.go, `bytedata` (its TestDecodeStatusReport builds the same values).
    source: 'github.com/fkgi/sms statusreport_test.go',
    direction: 'mt',
    hex: '060004802143113022415204631130224152046300',
  },
];

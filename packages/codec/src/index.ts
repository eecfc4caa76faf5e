export { DecodeError, EncodeError } from './errors';
export { Reader, Writer, toHex, fromHex } from './bytes';
export { pcap, writePcap, ipv4Tcp, ipv4Udp, LINKTYPE_RAW, LINKTYPE_USER0, type PcapRecord, type Flow } from './pcap';
export { tshark, tsharkAvailable, userDlt, parsePdml, fieldValues, type TsharkPacket, type TsharkField } from './tshark';

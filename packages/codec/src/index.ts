export { DecodeError, EncodeError } from './errors';
export { Reader, Writer, toHex, fromHex } from './bytes';
export { pcap, pcapng, writePcap, ipv4, ipChecksum, ipv4Tcp, ipv4Udp, LINKTYPE_RAW, LINKTYPE_USER0, type PcapRecord, type Flow } from './pcap';
export { tshark, tsharkAvailable, userDlt, parsePdml, fieldValues, type TsharkPacket, type TsharkField } from './tshark';
export {
  compileMessage,
  decodeIes,
  encodeIes,
  hexOf,
  writeHex,
  type CompiledMessage,
  type IeFormat,
  type IeSpec,
  type IeValues,
  type MessageSpec,
  type OrderItem,
  type Presence,
  type RawIe,
  type ValueCodec,
} from './ie';
export { opsPerSecond, tsharkPerSecond, benchReport, repeat } from './bench';

export { decode, encode, MESSAGES, type Direction, type MessageType, type Tpdu, type ReservedTpdu, type SmsMessage, type DecodeOptions } from './tpdu';
export {
  DCS_GROUPS,
  TYPE_OF_NUMBER,
  UDH_IES,
  VPF,
  WAITING_TYPES,
  describeDcs,
  relativeSeconds,
  type Address,
  type Alphabet,
  type Dcs,
  type Timestamp,
  type TypeOfNumber,
  type UdhElement,
  type UserData,
  type ValidityPeriod,
} from './fields';
export {
  GSM7_DEFAULT,
  GSM7_EXTENSION,
  GSM7_ESCAPE,
  gsm7Pack,
  gsm7Unpack,
  gsm7Septets,
  gsm7Text,
  isGsm7,
  packSeptets,
  unpackSeptets,
} from './alphabet';
export { pcapng, type PcapngRecord } from './pcapng';

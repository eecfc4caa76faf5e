export { decode, encode, PROTOCOL, type Bssap, type BssmapMessage, type DtapBssap, type UnknownBssmap } from './bssap';
export { CODE_OF, IES, MESSAGES, type BssmapIe, type BssmapMessageDef, type BssmapType } from './messages';
export {
  aoipTransportLayerAddress,
  cause,
  cellIdentifier,
  cellIdentifierList,
  channelType,
  chosenEncryptionAlgorithm,
  encryptionInformation,
  speechCodec,
  speechCodecList,
  type Cell,
  type CellDiscriminator,
  type CellIdentifier,
  type CellIdentifierList,
  type ChannelType,
  type EncryptionInformation,
  type Raw,
  type SpeechCodec,
  type SpeechCodecListValue,
  type TransportAddress,
} from './ies';
export { DecodeError, EncodeError } from '@snaptel/codec';

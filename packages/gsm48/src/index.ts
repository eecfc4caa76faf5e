export { decode, encode, messageNames, PROTOCOL, type Direction, type Dtap, type DtapMessage, type UnknownDtap, type RpMessage, type RpType, type UnknownRp } from './dtap';
export { MESSAGES, PDS, type MessageDef, type Pd } from './messages';
export {
  bcdNumber,
  bearerCapability,
  cause,
  classmark1,
  classmark2,
  lai,
  locationUpdatingType,
  mobileIdentity,
  progressIndicator,
  type BcdNumber,
  type BearerCapability,
  type Cause,
  type Classmark1,
  type Classmark2,
  type Lai,
  type LocationUpdatingType,
  type MobileIdentity,
  type ProgressIndicator,
  type Raw,
  type RpCause,
} from './ies';

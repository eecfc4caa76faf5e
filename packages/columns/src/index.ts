export { POW10, digitKey, decodeDigits, isDigitKey } from './digits';
export { KeyIndex, MAX_TABLE, hashNumber, hashU32, tableSizeFor } from './key-index';

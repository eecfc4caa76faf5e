import { fieldValues, type TsharkPacket } from '@snaptel/codec';
import {
  errorCodeNumber,
  trafficModeNumber,
  PARAMS,
  REGISTRATION_STATUS,
  DEREGISTRATION_STATUS,
  UNAVAILABILITY_CAUSES,
  AS_STATE_INFO,
  OTHER_INFO,
  MESSAGES,
  type M3uaMessage,
} from '../src';

/**
 * What tshark should show for a message we decoded (or encoded): the values
 * of its m3ua.* fields, in wire order, built from our JSON form. Compared
 * field by field with tshark's dissection.
 */
const num = (table: Record<number, string>, v: unknown): string => {
  if (typeof v === 'number') return String(v);
  const e = Object.entries(table).find(([, n]) => n === v);
  if (!e) throw new Error(`no code for ${String(v)}`);
  return e[0];
};
const colonHex = (h: string) => h.match(/../g)?.join(':') ?? '';

const KEY_TAG = new Map<string, number>();
for (const [tag, d] of PARAMS) KEY_TAG.set(d.key, tag);

export interface Expected {
  fields: Record<string, string[]>;
  tags: string[];
}

function add(e: Expected, f: string, v: string | number): void {
  (e.fields[`m3ua.${f}`] ??= []).push(String(v));
}

function walk(e: Expected, o: Record<string, unknown>, keys: string[]): void {
  const order: Array<string | number> = (o.order as Array<string | number> | undefined) ?? keys.filter((k) => o[k] !== undefined);
  const done = new Set<string | number>();
  const items = [...order, ...keys.filter((k) => o[k] !== undefined && !order.includes(k))];
  for (const k of items) {
    if (done.has(k)) continue;
    done.add(k);
    if (typeof k === 'number') {
      const raw = (o.unknown as Array<{ tag: number }>)[k]!;
      e.tags.push(String(raw.tag));
      continue;
    }
    const v = o[k];
    if (v === undefined) continue;
    const values = Array.isArray(v) && ['routingKeys', 'registrationResults', 'deregistrationResults'].includes(k) ? v : [v];
    for (const x of values) {
      e.tags.push(String(KEY_TAG.get(k)));
      one(e, k, x);
    }
  }
}

function one(e: Expected, k: string, v: any): void {
  switch (k) {
    case 'networkAppearance':
      return add(e, 'network_appearance', v);
    case 'routingContext':
      for (const rc of v) add(e, 'routing_context', rc);
      return;
    case 'infoString':
      return add(e, 'info_string', v);
    case 'diagnosticInfo':
      return add(e, 'diagnostic_information', colonHex(v));
    case 'heartbeatData':
      return add(e, 'heartbeat_data', colonHex(v));
    case 'trafficMode':
      return add(e, 'traffic_mode_type', trafficModeNumber(v));
    case 'errorCode':
      return add(e, 'error_code', errorCodeNumber(v));
    case 'status': {
      const type = v.type === 'as-state-change' ? 1 : v.type === 'other' ? 2 : v.type;
      add(e, 'status_type', type);
      return add(e, 'status_info', num(type === 1 ? AS_STATE_INFO : OTHER_INFO, v.info));
    }
    case 'aspId':
      return add(e, 'asp_identifier', v);
    case 'affectedPointCodes':
      for (const a of v) {
        add(e, 'affected_point_code_mask', a.mask);
        add(e, 'affected_point_code_pc', a.pc);
      }
      return;
    case 'correlationId':
      return add(e, 'correlation_identifier', v);
    case 'userCause':
      add(e, 'unavailability_cause', num(UNAVAILABILITY_CAUSES, v.cause));
      return add(e, 'user_identity', v.user);
    case 'congestionLevel':
      return add(e, 'congestion_level', v);
    case 'concernedDestination':
      return add(e, 'concerned_dpc', v);
    case 'protocolData':
      for (const f of ['opc', 'dpc', 'si', 'ni', 'mp', 'sls']) add(e, `protocol_data_${f}`, v[f]);
      return;
    case 'localRkId':
      return add(e, 'local_rk_identifier', v);
    case 'dpc':
      add(e, 'dpc_mask', v.mask);
      return add(e, 'dpc_pc', v.pc);
    case 'serviceIndicators':
      for (const si of v) add(e, 'si', si);
      return;
    case 'opcList':
      for (const a of v) {
        add(e, 'opc_list_mask', a.mask);
        add(e, 'opc_list_pc', a.pc);
      }
      return;
    case 'circuitRange':
      for (const a of v) {
        add(e, 'cic_range_mask', a.mask);
        add(e, 'cic_range_pc', a.opc);
        add(e, 'cic_range_lower', a.lower);
        add(e, 'cic_range_upper', a.upper);
      }
      return;
    case 'registrationStatus':
      return add(e, 'registration_status', num(REGISTRATION_STATUS, v));
    case 'deregistrationStatus':
      return add(e, 'deregistration_status', num(DEREGISTRATION_STATUS, v));
    case 'routingKeys':
      return walk(e, v, ['localRkId', 'routingContext', 'trafficMode', 'networkAppearance', 'dpc', 'serviceIndicators', 'opcList', 'circuitRange']);
    case 'registrationResults':
      return walk(e, v, ['localRkId', 'registrationStatus', 'routingContext']);
    case 'deregistrationResults':
      return walk(e, v, ['routingContext', 'deregistrationStatus']);
  }
  throw new Error(`fields.ts: no mapping for ${k}`);
}

export function expectedFields(m: M3uaMessage, length: number): Expected {
  const e: Expected = { fields: {}, tags: [] };
  if (m.type === 'UNKNOWN') {
    add(e, 'message_class', m.msgClass);
    add(e, 'message_type', m.msgType);
  } else {
    add(e, 'message_class', MESSAGES[m.type].cls);
    add(e, 'message_type', MESSAGES[m.type].type);
  }
  add(e, 'message_length', length);
  const keys = m.type === 'UNKNOWN' ? [] : MESSAGES[m.type].params.map((p) => p.def.key);
  walk(e, m as unknown as Record<string, unknown>, keys);
  return e;
}

/** Field-by-field: every field we expect has exactly the values tshark shows, and the parameter tags run in the same order. */
export function compareWithTshark(p: TsharkPacket, m: M3uaMessage, length: number): void {
  const e = expectedFields(m, length);
  const got: Record<string, string[]> = {};
  for (const f of Object.keys(e.fields)) got[f] = fieldValues(p, f);
  const tags = fieldValues(p, 'm3ua.parameter_tag');
  const actual = { fields: got, tags };
  if (JSON.stringify(actual) !== JSON.stringify(e)) {
    throw new Error(`tshark differs for ${m.type}:\n  expected ${JSON.stringify(e)}\n  tshark   ${JSON.stringify(actual)}`);
  }
}

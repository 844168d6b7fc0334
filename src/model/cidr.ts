/**
 * CIDR prefixes as a security group rule gives them (`remote_ip_prefix`), checked and normalised
 * to one spelling (`10.0.0.0/8`, `fd00::/8`), so that equal prefixes compare equal. Pure.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The eight 16-bit groups of an IPv6 address (`::` expanded, a dotted IPv4 tail folded in). */
function expandIPv6(address: string): number[] | undefined {
  let text = address;
  let tail: number[] = [];
  const v4 = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    if (!isIPv4(v4[2] as string)) return undefined;
    const o = (v4[2] as string).split('.').map(Number);
    tail = [((o[0] as number) << 8) | (o[1] as number), ((o[2] as number) << 8) | (o[3] as number)];
    const lead = v4[1] as string;
    // `::ffff:1.2.3.4` keeps its `::`; `1:2:3:4:5:6:1.2.3.4` drops the trailing `:`.
    text = lead.endsWith('::') ? lead : lead.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const head = part(halves[0] as string);
  const rest = halves.length === 2 ? part(halves[1] as string) : [];
  const groups = [...head, ...rest].map((g) =>
    /^[0-9a-fA-F]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN,
  );
  if (groups.some(Number.isNaN)) return undefined;
  const total = groups.length + tail.length;
  if (halves.length === 1 && total !== 8) return undefined;
  if (halves.length === 2 && total > 7) return undefined;
  const zeros = Array<number>(8 - total).fill(0);
  const h = groups.slice(0, head.length);
  const r = groups.slice(head.length);
  return halves.length === 2 ? [...h, ...zeros, ...r, ...tail] : [...groups, ...tail];
}

/** RFC 5952's spelling: lowercase, no leading zeros, the longest run of zero groups as `::`. */
function compressIPv6(groups: number[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.len).join(':')}`;
}

const NOT_A_CIDR = 'expected a CIDR prefix like 10.0.0.0/8, 192.168.1.7/32 or fd00::/8';

/**
 * A CIDR normalised (`10.1.2.3/32`, `fd00::/8`), or the reason it is not one. Host bits set
 * (`10.0.0.1/8`) are refused with the network it probably means.
 */
export function normaliseCidr(text: string): { cidr: string } | { error: string } {
  const m = text.match(/^([^/\s]+)\/(\d{1,3})$/);
  if (!m) return { error: NOT_A_CIDR };
  const address = m[1] as string;
  const bits = Number(m[2]);
  if (isIPv4(address)) {
    if (bits > 32) return { error: 'an IPv4 prefix length is 0–32' };
    const octets = address.split('.').map(Number);
    const value = octets.reduce((a, o) => a * 256 + o, 0);
    const size = 2 ** (32 - bits);
    const network = Math.floor(value / size) * size;
    const net = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.');
    if (network !== value) return { error: `host bits are set; did you mean ${net}/${bits}?` };
    return { cidr: `${net}/${bits}` };
  }
  if (isIPv6(address)) {
    if (bits > 128) return { error: 'an IPv6 prefix length is 0–128' };
    const groups = expandIPv6(address);
    if (!groups) return { error: 'expected a CIDR prefix like fd00::/8' };
    const masked = groups.map((g, i) => {
      const keep = Math.max(0, Math.min(16, bits - i * 16));
      return keep === 0 ? 0 : g & (0xffff << (16 - keep)) & 0xffff;
    });
    const net = compressIPv6(masked);
    if (masked.some((g, i) => g !== groups[i]))
      return { error: `host bits are set; did you mean ${net}/${bits}?` };
    return { cidr: `${net}/${bits}` };
  }
  return { error: NOT_A_CIDR };
}

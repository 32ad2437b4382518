import { readFileSync } from 'node:fs';

/** `0100007F` (little-endian IPv4 of /proc/net/tcp) → `127.0.0.1`. */
function ipv4(hex: string): string {
  const bytes = hex.match(/../g)?.map((byte) => Number.parseInt(byte, 16)) ?? [];
  return bytes.reverse().join('.');
}

/** /proc/net/tcp6's 4 little-endian words → `::`, `::1`, `::ffff:127.0.0.1` or the full form. */
function ipv6(hex: string): string {
  const words = (hex.match(/.{8}/g) ?? []).map((word) => (word.match(/../g) ?? []).reverse().join(''));
  const full = words.join('').toLowerCase();
  if (/^0+$/.test(full)) return '::';
  if (/^0{31}1$/.test(full)) return '::1';
  if (full.startsWith('00000000000000000000ffff')) return `::ffff:${ipv4(hex.slice(24))}`;
  return (full.match(/.{4}/g) ?? []).join(':');
}

/**
 * The local addresses that listen on `port` (TCP, IPv4 and IPv6), read from /proc/net (Linux): what
 * `ss -ltn` shows, e.g. `127.0.0.1`, `0.0.0.0`, `::` or `::ffff:127.0.0.1`.
 */
export function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const [file, decode] of [
    ['/proc/net/tcp', ipv4],
    ['/proc/net/tcp6', ipv6],
  ] as const) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [address, portHex] = (fields[1] ?? '').split(':');
      // State 0A is LISTEN.
      if (fields[3] !== '0A' || !address || !portHex) continue;
      if (Number.parseInt(portHex, 16) === port) found.push(decode(address));
    }
  }
  return found;
}

/** True for an address only this machine can reach. */
export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);
}

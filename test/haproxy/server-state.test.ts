/** The server-state file: HAProxy's format version 1, the joining servers DOWN, nothing else. */
import { describe, expect, it } from 'vitest';
import { HaproxyConfigError } from '../../src/haproxy/check-input.js';
import { renderServerState } from '../../src/haproxy/server-state.js';
import { makeServers } from './helpers.js';

describe('renderServerState', () => {
  it('lists the servers to start DOWN, by name, with the columns of format 1', () => {
    const text = renderServerState(makeServers(3, 8080), ['r3', 'r2', 'r3']);
    const [version, columns, ...lines] = text.trimEnd().split('\n');
    expect(version).toBe('1');
    expect(columns?.split(' ')).toHaveLength(21); // `#` and 20 names
    expect(lines).toEqual([
      '1 svc_replicas 1 r2 - 0 0 1 1 0 1 0 0 6 0 0 0 - 8080 -',
      '1 svc_replicas 1 r3 - 0 0 1 1 0 1 0 0 6 0 0 0 - 8080 -',
    ]);
    for (const l of lines) expect(l.split(' ')).toHaveLength(20);
  });

  it('with nothing to start DOWN, only the header: a file that changes nothing', () => {
    expect(renderServerState(makeServers(2))).toBe(renderServerState([]));
    expect(renderServerState([]).trimEnd().split('\n')).toHaveLength(2);
  });

  it('refuses a server it does not have, and names or ports it would not write', () => {
    expect(() => renderServerState(makeServers(1), ['r9'])).toThrow(HaproxyConfigError);
    const bad = makeServers(1);
    (bad[0] as { name: string }).name = 'r1 x';
    expect(() => renderServerState(bad, ['r1 x'])).toThrow(HaproxyConfigError);
    const port = makeServers(1);
    (port[0] as { port: number }).port = 70000;
    expect(() => renderServerState(port, ['r1'])).toThrow(HaproxyConfigError);
  });
});

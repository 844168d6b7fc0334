/** Security groups, the pure parts: group files, CIDR normalisation, what a service lets in. */
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { normaliseCidr } from '../../src/model/cidr.js';
import { allowedSources, type SecurityGroup } from '../../src/model/security-group.js';
import { parseSpecDocument } from '../../src/spec/parse-document.js';
import { resolveSpec } from '../../src/spec/resolve-spec.js';
import { parseSecurityGroup } from '../../src/spec/security-group.js';

const parse = (text: string, name?: string) => parseSecurityGroup(parseSpecDocument('sg.yaml', text), name);

function problems(text: string, name?: string): string[] {
  try {
    parse(text, name);
  } catch (err) {
    if (err instanceof SpecError)
      return err.issues.map((i) => `${i.location ?? '-'} ${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected a SpecError');
}

describe('normaliseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['192.168.1.7/32', '192.168.1.7/32'],
    ['FD00::/8', 'fd00::/8'],
    ['fd00:0:0:0:0:0:0:0/16', 'fd00::/16'],
    ['::/0', '::/0'],
    ['::1/128', '::1/128'],
    ['::ffff:10.1.2.3/128', '::ffff:a01:203/128'],
    ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'],
  ])('%s → %s', (input, out) => {
    expect(normaliseCidr(input)).toEqual({ cidr: out });
  });
  it.each([
    ['10.0.0.1/8', 'host bits are set; did you mean 10.0.0.0/8?'],
    ['fd00::1/8', 'host bits are set; did you mean fd00::/8?'],
    ['10.0.0.0/33', 'an IPv4 prefix length is 0–32'],
    ['::/129', 'an IPv6 prefix length is 0–128'],
  ])('refuses %s', (input, message) => {
    expect(normaliseCidr(input)).toEqual({ error: message });
  });
  it.each([
    '10.0.0.0',
    '256.0.0.0/8',
    '10.0.0.0/8 ',
    ' 10.0.0.0/8',
    '10.0.0.0/8\n',
    '1::2::3/64',
    'a/8',
    '',
    '10.0.0.0/08x',
  ])('refuses %j', (input) => {
    expect(normaliseCidr(input)).toHaveProperty('error');
  });
});

describe('parseSecurityGroup', () => {
  it('normalises a group: defaults, lowercase enums, one port for both ends', () => {
    const g = parse(
      'name: web\ndescription: from the office\nrules:\n  - direction: Ingress\n    protocol: TCP\n    port_range_min: 80\n    remote_ip_prefix: 10.1.0.0/16\n  - direction: egress\n',
    );
    expect(g).toEqual({
      name: 'web',
      description: 'from the office',
      rules: [
        {
          direction: 'ingress',
          protocol: 'tcp',
          port_range_min: 80,
          port_range_max: 80,
          remote_ip_prefix: '10.1.0.0/16',
          remote_group_name: '',
        },
        {
          direction: 'egress',
          protocol: '',
          port_range_min: null,
          port_range_max: null,
          remote_ip_prefix: '',
          remote_group_name: '',
        },
      ],
    });
  });
  it('takes the name from the command line; a different name in the file is an error', () => {
    expect(parse('rules: []\n', 'office').name).toBe('office');
    expect(parse('name: office\n', 'office').name).toBe('office');
    expect(problems('name: office\n', 'other')).toEqual([
      'sg.yaml:1:7 name: the file names group "office" but the command line says "other"',
    ]);
    expect(problems('rules: []\n')).toEqual([
      '- name: required: give name: in the file or NAME on the command line',
    ]);
  });
  it('reports every problem with its place', () => {
    expect(
      problems(
        'name: "bad name"\ndescriptoin: x\nrules:\n  - direction: in\n    protocol: sctp\n    port_range_min: 90\n    port_range_max: 80\n    remote_ip_prefix: 10.0.0.1/8\n  - direction: ingress\n    protocol: icmp\n    port_range_min: 1\n  - direction: ingress\n    remote_ip_prefix: 10.0.0.0/8\n    remote_group_name: other\n  - 7\n',
      ),
    ).toEqual([
      'sg.yaml:2:1 descriptoin: unknown field; did you mean description?',
      'sg.yaml:1:7 name: expected a group name (letters, digits, - _ ., at most 63, starting and ending with a letter or digit), got string "bad name"',
      'sg.yaml:4:16 rules[0].direction: expected ingress or egress, got string "in"',
      'sg.yaml:5:15 rules[0].protocol: expected tcp, udp, icmp or "" (any), got string "sctp"',
      'sg.yaml:7:21 rules[0].port_range_max: port_range_max 80 is below port_range_min 90',
      'sg.yaml:8:23 rules[0].remote_ip_prefix: host bits are set; did you mean 10.0.0.0/8? (got string "10.0.0.1/8")',
      'sg.yaml:10:15 rules[1].protocol: icmp has no ports; remove port_range_min/port_range_max',
      'sg.yaml:14:24 rules[2].remote_group_name: give remote_ip_prefix or remote_group_name, not both',
      'sg.yaml:15:5 rules[3]: expected a rule (a map with direction, protocol, …), got number 7',
    ]);
  });
  it('follows the one name rule of a spec’s SecurityGroups (no group is made that no service could name)', () => {
    for (const name of ['office_', '_office', 'office.', 'a b', 'x'.repeat(64)]) {
      expect(() => parse(`name: ${JSON.stringify(name)}\n`), name).toThrow(/expected a group name/);
      expect(
        () =>
          resolveSpec({
            file: parseSpecDocument(
              's.yaml',
              `Name: w\nImage: i\nServicePort: 80\nSecurityGroups: [${JSON.stringify(name)}]\n`,
            ),
          }),
        name,
      ).toThrow(/security group name/);
    }
    for (const name of ['office', 'o_f.f-1', 'x'.repeat(63)]) {
      expect(parse(`name: ${name}\n`).name).toBe(name);
      expect(
        resolveSpec({
          file: parseSpecDocument(
            's.yaml',
            `Name: w\nImage: i\nServicePort: 80\nSecurityGroups: [${name}]\n`,
          ),
        }).SecurityGroups,
      ).toEqual([name]);
    }
  });

  it('refuses descriptions with control characters (they would break a line)', () => {
    expect(problems('name: a\ndescription: "x\\ny"\n')[0]).toMatch(/description: expected one line of text/);
  });
});

describe('allowedSources', () => {
  const group = (rules: Partial<SecurityGroup['rules'][number]>[]): SecurityGroup => ({
    name: 'g',
    description: '',
    rules: rules.map((r) => ({
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: null,
      port_range_max: null,
      remote_ip_prefix: '',
      remote_group_name: '',
      ...r,
    })),
  });
  it('is the union of the ingress tcp/any rules covering the port', () => {
    const a = group([
      { remote_ip_prefix: '10.0.0.0/8', port_range_min: 80, port_range_max: 80 },
      { remote_ip_prefix: '10.9.0.0/16', port_range_min: 81, port_range_max: 90 },
      { remote_ip_prefix: '10.8.0.0/16', protocol: 'udp' },
      { remote_ip_prefix: '10.7.0.0/16', direction: 'egress' },
      { remote_group_name: 'other' },
    ]);
    const b = group([{ remote_ip_prefix: 'fd00::/8', protocol: '' }]);
    expect(allowedSources([a, b], 80)).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(allowedSources([a], 85)).toEqual(['10.9.0.0/16']);
  });
  it('no remote = every source; no ingress rule = nobody', () => {
    expect(allowedSources([group([{}])], 80)).toEqual(['0.0.0.0/0', '::/0']);
    expect(allowedSources([group([{ direction: 'egress' }])], 80)).toEqual([]);
    expect(allowedSources([], 80)).toEqual([]);
  });
});

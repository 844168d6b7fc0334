/**
 * Security groups (the original API's model; docs/spec.md): named rule sets, validated and normalised by
 * src/spec/security-group.ts; stored and applied by src/core/groups.ts (planned in
 * src/core/plan/security-groups.ts).
 *
 * - **Enforced** at the load balancer: a service naming groups gets
 *   `tcp-request connection reject unless { src -f security-groups.allow }` in its frontend
 *   (render-config.ts) and the allow file lists the `remote_ip_prefix` of every ingress rule of
 *   its groups that admits TCP on its ServicePort ({@link allowedSources}). No group = open;
 *   groups with no such rule = closed.
 * - **Not enforced**: egress rules (validated and stored; replicas reach anything), and
 *   `remote_group_name` rules (stored; they admit no source).
 */
import { isCidr } from '../haproxy/check-input.js';

export const DIRECTIONS = ['ingress', 'egress'] as const;
export const RULE_PROTOCOLS = ['tcp', 'udp', 'icmp', ''] as const;
export type Direction = (typeof DIRECTIONS)[number];
export type RuleProtocol = (typeof RULE_PROTOCOLS)[number];

export interface SecurityGroupRule {
  direction: Direction;
  /** `""` = any protocol. */
  protocol: RuleProtocol;
  /** Both null = every port. */
  port_range_min: number | null;
  port_range_max: number | null;
  /** CIDR, normalised (`10.0.0.0/8`); `""` with remote_group_name, or for any source. */
  remote_ip_prefix: string;
  remote_group_name: string;
}

export interface SecurityGroup {
  name: string;
  description: string;
  rules: SecurityGroupRule[];
}

/**
 * The source prefixes `groups` admit to a TCP service on `servicePort`: the union of their
 * ingress rules for tcp (or any protocol) whose port range holds the port. A rule with no remote
 * admits every source; a remote_group_name rule admits none (not enforced).
 */
export function allowedSources(groups: readonly SecurityGroup[], servicePort: number): string[] {
  const out = new Set<string>();
  for (const g of groups) {
    for (const r of g.rules) {
      if (r.direction !== 'ingress' || (r.protocol !== 'tcp' && r.protocol !== '')) continue;
      if (r.port_range_min !== null && r.port_range_max !== null) {
        if (servicePort < r.port_range_min || servicePort > r.port_range_max) continue;
      }
      if (r.remote_group_name) continue;
      if (r.remote_ip_prefix) out.add(r.remote_ip_prefix);
      else {
        out.add('0.0.0.0/0');
        out.add('::/0');
      }
    }
  }
  return [...out].filter(isCidr).sort();
}

/** What a load balancer's config is rendered from (render-config.ts), checked first (check-input.ts). */
import type { ServiceSpec } from '../spec/types.js';

/** One backend server: a replica container, found by name through Docker's embedded DNS. */
export interface LbServer {
  /** Server name in HAProxy (`show stat` svname, and the affinity cookie value), e.g. `r1`. */
  name: string;
  /** Container name (or network alias, or IPv4 address) resolvable on the tenant network. */
  host: string;
  port: number;
}

/** Where the config names the files it reads (the LB driver stores them there). */
export interface ConfigPaths {
  /** SSLCert (certificate chain + key, PEM) for `httpsTerm`. */
  cert: string;
  /**
   * The source prefixes a service's security groups allow (one CIDR a line,
   * `renderAllowList` in render-config.ts); the frontend refuses every other source when the spec names groups.
   */
  allow: string;
  /**
   * The server-state file HAProxy reads when it (re)loads (server-state.ts writes it): servers
   * listed there start DOWN and enter rotation only after passing `rise` checks. Without it (Swarm,
   * whose servers DNS fills) no state is read.
   */
  state?: string;
  /**
   * The Lua file of SETTLE_LUA (render-config.ts), for source affinity: a worker stores no new
   * stick-table entry while the old one hands it the table. Without it (Swarm, whose load
   * balancer is replaced rather than reloaded) `stick on src`.
   */
  settle?: string;
}

/**
 * Servers found by DNS instead of listed (Swarm: `tasks.<service>` answers one address per task):
 * `count` slots named `r1`…`rN`, filled and emptied as the answer changes.
 */
export interface ServerTemplate {
  count: number;
  host: string;
  port: number;
}

export interface RenderInput {
  spec: ServiceSpec;
  servers: LbServer[];
  paths: ConfigPaths;
  /** Instead of `servers` (which must then be empty): slots filled from DNS. */
  template?: ServerTemplate;
  /**
   * Servers joining a running load balancer, which the server-state file starts DOWN (or every
   * server of one started beside its replicas): checked every 25 ms (an HTTP check: 50 ms) until
   * UP, so that they come UP after `rise` checks that far apart.
   */
  joining?: readonly string[];
}

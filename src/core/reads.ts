/** `ls` and `inspect`, as the CLI and the API call them. */
import type { LbView } from '../haproxy/lb-log.js';
import type { Core, ObservedService } from './backend.js';
import { type InspectedService, inspectObserved } from './inspect.js';
import { observe } from './observe.js';
import { type ListedService, listObserved, type ServiceFilters } from './views.js';

/** Every service of the tenant (one list call), filtered. */
export async function listServices(core: Core, filters: ServiceFilters): Promise<ListedService[]> {
  return listObserved((await observe(core)).services, filters);
}

export interface InspectResult {
  /** The services found, in the order asked. */
  services: InspectedService[];
  /** Names asked for that do not exist in the tenant. */
  missing: string[];
  /** For people (stderr): e.g. a load balancer whose view could not be read. */
  notes: string[];
}

/** The load balancer's view, or undefined (and why) when it is not running or cannot be read. */
async function viewOf(core: Core, s: ObservedService): Promise<{ view?: LbView; note?: string }> {
  // Slots filled by DNS: which one is which replica is not known.
  if (!s.lbContainer || !s.numberedServers) return {};
  try {
    return { view: await core.lb.view(s.lbContainer) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { note: `${s.name}: could not read the load balancer's view (${reason})` };
  }
}

/** Services by name: one list call, then each running load balancer's log. */
export async function inspectServices(core: Core, wanted: string[]): Promise<InspectResult> {
  const observed = new Map((await observe(core)).services.map((s) => [s.name, s]));
  const unique = [...new Set(wanted)];
  const found = unique.flatMap((n) => {
    const s = observed.get(n);
    return s ? [s] : [];
  });
  const views = await Promise.all(found.map((s) => viewOf(core, s)));
  return {
    services: found.map((s, i) => inspectObserved(s, views[i]?.view)),
    missing: unique.filter((n) => !observed.has(n)),
    notes: views.flatMap((v) => (v.note ? [v.note] : [])),
  };
}

/** Paths of the API: bare or under a version prefix (`/v1.23/…`, any `/vX.Y/`). Pure. */

export type RouteName =
  | 'ping'
  | 'version'
  | 'info'
  | 'openapi'
  | 'services.create'
  | 'services.list'
  | 'services.inspect'
  | 'services.update'
  | 'services.remove'
  | 'images.inspect'
  | 'images.create'
  | 'volumes.create'
  | 'volumes.list'
  | 'volumes.inspect'
  | 'volumes.remove';

export interface Route {
  name: RouteName;
  /** Path parameters, decoded. */
  params: { name?: string };
  /** The version prefix, e.g. `1.23`, when one was given. */
  version?: string;
}

export type RouteResult = Route | { error: 404 | 405; allow?: string[] };

/** Routes answered without credentials. */
export const PUBLIC_ROUTES: ReadonlySet<RouteName> = new Set(['ping', 'openapi']);

interface Pattern {
  re: RegExp;
  methods: Partial<Record<string, RouteName>>;
}

const PATTERNS: Pattern[] = [
  { re: /^\/_ping$/, methods: { GET: 'ping', HEAD: 'ping' } },
  { re: /^\/version$/, methods: { GET: 'version' } },
  { re: /^\/info$/, methods: { GET: 'info' } },
  { re: /^\/openapi\.json$/, methods: { GET: 'openapi' } },
  { re: /^\/services\/create$/, methods: { POST: 'services.create' } },
  { re: /^\/services$/, methods: { GET: 'services.list' } },
  { re: /^\/services\/([^/]+)\/update$/, methods: { POST: 'services.update' } },
  { re: /^\/services\/([^/]+)$/, methods: { GET: 'services.inspect', DELETE: 'services.remove' } },
  { re: /^\/images\/create$/, methods: { POST: 'images.create' } },
  { re: /^\/volumes\/create$/, methods: { POST: 'volumes.create' } },
  { re: /^\/volumes$/, methods: { GET: 'volumes.list' } },
  { re: /^\/volumes\/([^/]+)$/, methods: { GET: 'volumes.inspect', DELETE: 'volumes.remove' } },
  // Image names hold slashes: everything between /images/ and /json.
  { re: /^\/images\/(.+)\/json$/, methods: { GET: 'images.inspect' } },
];

const VERSION = /^\/v(\d+\.\d+)(\/.*)$/;

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

export function route(method: string, pathname: string): RouteResult {
  let path = pathname.replace(/\/+$/, '') || '/';
  let version: string | undefined;
  const v = VERSION.exec(path);
  if (v) {
    version = v[1];
    path = v[2] as string;
  }
  const allow: string[] = [];
  for (const p of PATTERNS) {
    const m = p.re.exec(path);
    if (!m) continue;
    const name = p.methods[method.toUpperCase()];
    if (!name) {
      allow.push(...Object.keys(p.methods));
      continue;
    }
    const params: Route['params'] = {};
    if (m[1] !== undefined) {
      const decoded = decode(m[1]);
      if (decoded === undefined) return { error: 404 };
      params.name = decoded;
    }
    return version === undefined ? { name, params } : { name, params, version };
  }
  if (allow.length > 0) return { error: 405, allow };
  return { error: 404 };
}

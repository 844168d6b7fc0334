/** "Did you mean …?" for misspelt keys and values. Pure. */

/** Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i] as number[];
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** Lower case, without `-`, `_`, `.` and spaces: `service_port`, `service-port` and `ServicePort` compare equal. */
export function normaliseKey(s: string): string {
  return s.toLowerCase().replace(/[-_.\s]/g, '');
}

/**
 * The candidate closest to `input`, compared case-insensitively and ignoring separators, if it is
 * close enough to be a likely misspelling. `candidates` maps a spelling (a field name or an alias
 * such as a flag name) to what to suggest for it.
 */
export function suggest(
  input: string,
  candidates: Iterable<readonly [spelling: string, suggestion: string]>,
): string | undefined {
  const want = normaliseKey(input);
  if (want === '') return undefined;
  const limit = Math.max(1, Math.floor(want.length / 3));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [spelling, suggestion] of candidates) {
    const distance = editDistance(want, normaliseKey(spelling));
    if (distance < bestDistance) {
      best = suggestion;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** `suggest` over plain strings, each suggesting itself. */
export function suggestOneOf(input: string, candidates: readonly string[]): string | undefined {
  return suggest(
    input,
    candidates.map((c) => [c, c] as const),
  );
}

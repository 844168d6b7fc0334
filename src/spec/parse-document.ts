/**
 * Reads a service spec document (YAML 1.2 core schema, so JSON too) keeping where everything
 * stands, so that every later problem can be reported as `file:line:col`. Pure.
 */
import type { Document, LineCounter, Node, YAMLMap } from 'yaml';
import { SpecError, type SpecIssue } from '../errors.js';
import { yaml } from '../util/yaml.js';

/** A step into a value: a map key or a list index. */
export type PathSegment = string | number;

export interface ParsedEntry {
  /** The top-level key as written (`replicas`, `Replicas`, …). */
  key: string;
  /** Its value as plain JS (strings, numbers, booleans, null, arrays, plain objects). */
  value: unknown;
}

export interface ParsedSpec {
  /** The file path, or `<stdin>`. */
  readonly origin: string;
  /** Top-level entries in document order; keys are unique, also case-insensitively. */
  readonly entries: readonly ParsedEntry[];
  /**
   * `origin:line:col` of the value (or, with part `key`, of the key) at `path`, e.g.
   * `['Env', 2]` or `['Labels', 'app']`; the first segment is a top-level key as written. Falls
   * back to the nearest enclosing place found; undefined only when even the first step is absent.
   */
  locate(path: readonly PathSegment[], part?: 'key' | 'value'): string | undefined;
  /** The source text of a plain scalar at `path` as written (`1.10`, `0x1F`, `True`), if any. */
  sourceText(path: readonly PathSegment[]): string | undefined;
}

/** `<stdin>` for `-f -`. */
export const STDIN_ORIGIN = '<stdin>';

const DOCUMENT_PATH = '(document)';

function kindOf(node: unknown): string {
  const { isAlias, isMap, isScalar, isSeq } = yaml();
  if (isMap(node)) return 'map';
  if (isSeq(node)) return 'list';
  if (isScalar(node)) {
    const v = node.value;
    return v === null ? 'null' : typeof v;
  }
  if (isAlias(node)) return 'alias';
  return 'nothing';
}

/** `origin:line:col` of a character offset. */
type Locator = (offset: number) => string;

function keyOf(key: unknown): string | undefined {
  return yaml().isScalar(key) ? String(key.value) : undefined;
}

/** Every YAML syntax error and warning, at its place. */
function syntaxIssues(doc: Document.Parsed, at: Locator): SpecIssue[] {
  return [...doc.errors, ...doc.warnings].map((e) => {
    const message =
      e.code === 'MULTIPLE_DOCS'
        ? 'more than one YAML document (---); put one service spec a file'
        : e.message.split('\n')[0]?.replace(/\s+$/, '') || e.code;
    return { path: DOCUMENT_PATH, message: `YAML: ${message}`, location: at(e.pos[0]) };
  });
}

/** The top-level mapping; throws a SpecError (with the syntax `issues`) for anything else. */
function rootMap(doc: Document.Parsed, origin: string, at: Locator, issues: SpecIssue[]): YAMLMap {
  const { isMap, isScalar } = yaml();
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null && issues.length === 0)) {
    issues.push({
      path: DOCUMENT_PATH,
      message: 'empty document; expected a mapping of fields such as Name, Image and ServicePort',
      location: `${origin}:1:1`,
    });
    throw new SpecError(issues);
  }
  if (!isMap(root)) {
    if (issues.length === 0) {
      issues.push({
        path: DOCUMENT_PATH,
        message: `expected a mapping of fields at the top level, got ${kindOf(root)}`,
        location: at(root.range?.[0] ?? 0),
      });
    }
    throw new SpecError(issues);
  }
  return root;
}

interface KeyCheck {
  lines: LineCounter;
  at: Locator;
  /** Where the problems found go. */
  issues: SpecIssue[];
}

/**
 * Duplicate and non-scalar keys in `node` and below, into `issues`; at the top level keys are
 * compared case-insensitively.
 */
function checkKeys(node: unknown, path: string, topLevel: boolean, ctx: KeyCheck): void {
  const { isMap, isNode, isSeq } = yaml();
  if (isSeq(node)) {
    node.items.forEach((item, i) => {
      checkKeys(item, `${path}[${i}]`, false, ctx);
    });
    return;
  }
  if (!isMap(node)) return;
  const { at, issues } = ctx;
  const seen = new Map<string, { key: string; offset: number }>();
  for (const pair of node.items) {
    const offset = isNode(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
    const key = keyOf(pair.key);
    if (key === undefined) {
      issues.push({
        path: path || DOCUMENT_PATH,
        message: `keys must be plain strings, got ${kindOf(pair.key)}`,
        location: at(offset),
      });
      continue;
    }
    const norm = topLevel ? key.toLowerCase() : key;
    const first = seen.get(norm);
    const keyPath = path ? `${path}.${key}` : key;
    if (first) {
      const { line, col } = ctx.lines.linePos(first.offset);
      const same = first.key === key ? '' : ` (keys match case-insensitively: ${JSON.stringify(first.key)})`;
      issues.push({
        path: keyPath,
        message: `duplicate key ${JSON.stringify(key)}, first at line ${line}:${col}${same}`,
        location: at(offset),
      });
    } else {
      seen.set(norm, { key, offset });
    }
    checkKeys(pair.value, keyPath, false, ctx);
  }
}

/** The key node and value node at `path`, as deep as it goes (`complete` when all of it). */
function walk(
  doc: Document.Parsed,
  root: YAMLMap,
  path: readonly PathSegment[],
): { key?: Node; value?: Node; complete: boolean } {
  const { isAlias, isMap, isNode, isPair, isSeq } = yaml();
  let current: unknown = root;
  let keyNode: Node | undefined;
  let last: { key?: Node; value?: Node } = {};
  for (const seg of path) {
    if (isAlias(current)) current = current.resolve(doc);
    if (typeof seg === 'string' && isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && keyOf(p.key) === seg);
      if (!pair) return { ...last, complete: false };
      keyNode = isNode(pair.key) ? pair.key : undefined;
      current = pair.value;
    } else if (typeof seg === 'number' && isSeq(current)) {
      const item = current.items[seg];
      if (item === undefined) return { ...last, complete: false };
      keyNode = undefined;
      current = item;
    } else {
      return { ...last, complete: false };
    }
    last = { key: keyNode, value: isNode(current) ? current : undefined };
  }
  return { ...last, complete: true };
}

const PARSE_OPTIONS = {
  prettyErrors: false,
  uniqueKeys: false,
  schema: 'core',
  version: '1.2',
  merge: false,
} as const;

/**
 * Parses `text` (from `origin`, a path or `<stdin>`). Throws one SpecError with every syntax error,
 * duplicate key (top-level keys compared case-insensitively), an empty document or a root that is
 * not a mapping.
 */
export function parseSpecDocument(origin: string, text: string): ParsedSpec {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  return fromDocument(parseDocument(text, { lineCounter, ...PARSE_OPTIONS }), origin, lineCounter);
}

/**
 * Parses a YAML stream of one or more documents (`---` between them), each as parseSpecDocument
 * does; empty documents between others (a leading or trailing `---`) are skipped.
 */
export function parseSpecDocuments(origin: string, text: string): ParsedSpec[] {
  const { isScalar, LineCounter, parseAllDocuments } = yaml();
  const lineCounter = new LineCounter();
  const all = parseAllDocuments(text, { lineCounter, ...PARSE_OPTIONS });
  const docs = Array.isArray(all) ? all : [];
  const empty = (d: Document.Parsed) =>
    d.errors.length === 0 && (d.contents === null || (isScalar(d.contents) && d.contents.value === null));
  const filled = docs.filter((d) => !empty(d));
  if (filled.length === 0) return [parseSpecDocument(origin, text)];
  return filled.map((d) => fromDocument(d, origin, lineCounter));
}

function fromDocument(doc: Document.Parsed, origin: string, lineCounter: LineCounter): ParsedSpec {
  const { isNode, isScalar } = yaml();
  const at: Locator = (offset) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${origin}:${line}:${col}`;
  };
  const issues = syntaxIssues(doc, at);
  const root = rootMap(doc, origin, at, issues);
  checkKeys(root, '', true, { lines: lineCounter, at, issues });
  if (issues.length > 0) throw new SpecError(issues);

  const entries: ParsedEntry[] = root.items.map((pair) => ({
    key: keyOf(pair.key) as string,
    value: isNode(pair.value) ? pair.value.toJS(doc) : null,
  }));
  return {
    origin,
    entries,
    locate(path, part = 'value') {
      const found = walk(doc, root, path);
      const node = part === 'key' && found.complete ? (found.key ?? found.value) : (found.value ?? found.key);
      const offset = node?.range?.[0];
      return offset === undefined ? undefined : at(offset);
    },
    sourceText(path) {
      const found = walk(doc, root, path);
      if (!found.complete || !isScalar(found.value)) return undefined;
      const source = found.value.source;
      return typeof source === 'string' && found.value.type === 'PLAIN' ? source : undefined;
    },
  };
}

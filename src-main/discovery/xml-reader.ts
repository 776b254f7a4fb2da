/**
 * A small, strict XML reader for the SOAP answers of cameras (WS-Discovery ProbeMatches, ONVIF device and
 * media responses): elements, attributes, namespaces, text, CDATA, comments and processing instructions.
 * Pure: text in, a tree out, no I/O.
 *
 * What it refuses on purpose: a document type declaration (SOAP 1.2 Part 1 §5: "a SOAP message MUST NOT
 * contain a Document Type Declaration"), so no entity can expand and no external file is ever named; any
 * entity but the five predefined ones and character references (XML 1.0 §4.6, §4.1); documents deeper
 * than MAX_DEPTH or with more than MAX_ELEMENTS elements. Every refusal is an XmlParseError with the
 * offset where reading stopped.
 */
import { ThinStreamError } from '../../src-shared/errors.js';

export interface XmlElement {
  /** Local name, without prefix (`ProbeMatch` for `wsdd:ProbeMatch`). */
  name: string;
  prefix: string;
  /** Namespace URI the prefix is bound to ('' when unbound or no default namespace). */
  ns: string;
  /** Attributes by qualified name as written (`token`, `s:mustUnderstand`); xmlns declarations excluded. */
  attributes: Map<string, string>;
  children: XmlElement[];
  /** The element's own character data (text and CDATA between its tags, not its children's), decoded. */
  text: string;
}

export class XmlParseError extends ThinStreamError {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super('ONVIF_BAD_RESPONSE', `malformed XML at offset ${offset}: ${message}`);
    this.name = 'XmlParseError';
    this.offset = offset;
  }
}

export const MAX_DEPTH = 64;
export const MAX_ELEMENTS = 20_000;
/** Larger SOAP answers than this are not camera answers we need (a GetProfiles of 16 profiles is ~60 KB). */
export const MAX_XML_CHARS = 2 * 1024 * 1024;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME =
  /^[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*(?::[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?$/;
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

interface OpenElement {
  element: XmlElement;
  qname: string;
  scope: Map<string, string>;
}

/** Parses one XML document and returns its root element. Throws XmlParseError on anything malformed. */
export function parseXml(input: string): XmlElement {
  if (input.length > MAX_XML_CHARS) {
    throw new XmlParseError(`document of ${input.length} characters is larger than ${MAX_XML_CHARS}`, 0);
  }
  let i = input.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: OpenElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  const rootScope = new Map<string, string>([['xml', XML_NS]]);

  while (i < input.length) {
    const lt = input.indexOf('<', i);
    const textEnd = lt === -1 ? input.length : lt;
    if (textEnd > i) {
      const raw = input.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.element.text += decodeEntities(raw, i);
      else if (raw.trim() !== '') throw new XmlParseError('text outside the root element', i);
      i = textEnd;
      continue;
    }
    // At '<'.
    if (input.startsWith('<!--', i)) {
      const end = input.indexOf('-->', i + 4);
      if (end === -1) throw new XmlParseError('unterminated comment', i);
      i = end + 3;
    } else if (input.startsWith('<![CDATA[', i)) {
      const end = input.indexOf(']]>', i + 9);
      if (end === -1) throw new XmlParseError('unterminated CDATA section', i);
      const top = stack[stack.length - 1];
      if (!top) throw new XmlParseError('CDATA outside the root element', i);
      top.element.text += input.slice(i + 9, end);
      i = end + 3;
    } else if (input.startsWith('<!', i)) {
      throw new XmlParseError('document type declarations are not allowed in SOAP messages', i);
    } else if (input.startsWith('<?', i)) {
      const end = input.indexOf('?>', i + 2);
      if (end === -1) throw new XmlParseError('unterminated processing instruction', i);
      i = end + 2;
    } else if (input.startsWith('</', i)) {
      const end = input.indexOf('>', i + 2);
      if (end === -1) throw new XmlParseError('unterminated end tag', i);
      const qname = input.slice(i + 2, end).trim();
      const top = stack.pop();
      if (!top) throw new XmlParseError(`end tag </${clip(qname)}> without a start tag`, i);
      if (top.qname !== qname) {
        throw new XmlParseError(`end tag </${clip(qname)}> does not close <${clip(top.qname)}>`, i);
      }
      i = end + 1;
    } else {
      if (root !== null && stack.length === 0) throw new XmlParseError('a second root element', i);
      const parsed = readStartTag(input, i, stack[stack.length - 1]?.scope ?? rootScope);
      if (++elements > MAX_ELEMENTS) throw new XmlParseError(`more than ${MAX_ELEMENTS} elements`, i);
      const parent = stack[stack.length - 1];
      if (parent) parent.element.children.push(parsed.element);
      else root = parsed.element;
      if (!parsed.selfClosing) {
        if (stack.length >= MAX_DEPTH) throw new XmlParseError(`elements nested deeper than ${MAX_DEPTH}`, i);
        stack.push({ element: parsed.element, qname: parsed.qname, scope: parsed.scope });
      }
      i = parsed.end;
    }
  }
  const open = stack[stack.length - 1];
  if (open) throw new XmlParseError(`<${clip(open.qname)}> is never closed`, input.length);
  if (root === null) throw new XmlParseError('no root element', input.length);
  return root;
}

interface StartTag {
  element: XmlElement;
  qname: string;
  scope: Map<string, string>;
  selfClosing: boolean;
  end: number;
}

function readStartTag(input: string, start: number, parentScope: Map<string, string>): StartTag {
  let i = start + 1;
  const nameEnd = scanName(input, i);
  const qname = input.slice(i, nameEnd);
  if (!NAME.test(qname)) throw new XmlParseError(`bad element name ${JSON.stringify(clip(qname))}`, i);
  i = nameEnd;
  const rawAttributes: Array<[string, string]> = [];
  const seen = new Set<string>();
  let selfClosing = false;
  for (;;) {
    const before = i;
    while (i < input.length && isSpace(input.charCodeAt(i))) i++;
    if (i >= input.length) throw new XmlParseError(`unterminated start tag <${clip(qname)}>`, start);
    const c = input[i];
    if (c === '>') {
      i++;
      break;
    }
    if (c === '/') {
      if (input[i + 1] !== '>') throw new XmlParseError(`stray "/" in <${clip(qname)}>`, i);
      selfClosing = true;
      i += 2;
      break;
    }
    if (i === before) throw new XmlParseError(`attributes of <${clip(qname)}> must be separated by space`, i);
    const attrEnd = scanName(input, i);
    const attrName = input.slice(i, attrEnd);
    if (!NAME.test(attrName)) throw new XmlParseError(`bad attribute name ${JSON.stringify(clip(attrName))}`, i);
    i = attrEnd;
    while (i < input.length && isSpace(input.charCodeAt(i))) i++;
    if (input[i] !== '=') throw new XmlParseError(`attribute ${clip(attrName)} has no "="`, i);
    i++;
    while (i < input.length && isSpace(input.charCodeAt(i))) i++;
    const quote = input[i];
    if (quote !== '"' && quote !== "'") throw new XmlParseError(`attribute ${clip(attrName)} is not quoted`, i);
    const valueEnd = input.indexOf(quote, i + 1);
    if (valueEnd === -1) throw new XmlParseError(`attribute ${clip(attrName)} is not closed`, i);
    const rawValue = input.slice(i + 1, valueEnd);
    if (rawValue.includes('<')) throw new XmlParseError(`"<" in the value of attribute ${clip(attrName)}`, i);
    if (seen.has(attrName)) throw new XmlParseError(`attribute ${clip(attrName)} appears twice`, i);
    seen.add(attrName);
    rawAttributes.push([attrName, decodeEntities(rawValue, i + 1)]);
    i = valueEnd + 1;
  }

  // Namespaces in XML 1.0 §3: xmlns and xmlns:p declare; they apply to this element and its content.
  let scope = parentScope;
  const attributes = new Map<string, string>();
  for (const [name, value] of rawAttributes) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      scope.set(name === 'xmlns' ? '' : name.slice(6), value);
    } else {
      attributes.set(name, value);
    }
  }
  const colon = qname.indexOf(':');
  const prefix = colon === -1 ? '' : qname.slice(0, colon);
  const name = colon === -1 ? qname : qname.slice(colon + 1);
  const element: XmlElement = { name, prefix, ns: scope.get(prefix) ?? '', attributes, children: [], text: '' };
  return { element, qname, scope, selfClosing, end: i };
}

function scanName(input: string, from: number): number {
  let i = from;
  while (i < input.length) {
    const c = input.charCodeAt(i);
    if (isSpace(c) || c === 0x3e /* > */ || c === 0x2f /* / */ || c === 0x3d /* = */) break;
    i++;
  }
  return i;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** XML 1.0 §4.6 predefined entities and §4.1 character references; anything else is refused. */
function decodeEntities(raw: string, offset: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]{0,12});?/g, (match, body: string, at: number) => {
    if (!match.endsWith(';')) throw new XmlParseError(`"&" that starts no entity reference`, offset + at);
    const named = PREDEFINED[body];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
    if (numeric) {
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        throw new XmlParseError(`character reference &${body}; names no character`, offset + at);
      }
      return String.fromCodePoint(code);
    }
    throw new XmlParseError(`unknown entity &${clip(body)};`, offset + at);
  });
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

// ---- Reading the tree -------------------------------------------------------------------------------
// Cameras bind the same namespaces to different prefixes (SOAP-ENV, s, env, soap), so lookups go by local
// name; callers check the namespace where two vocabularies share a name.

/** The first child with this local name, or undefined. */
export function childNamed(parent: XmlElement, name: string): XmlElement | undefined {
  return parent.children.find((c) => c.name === name);
}

export function childrenNamed(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((c) => c.name === name);
}

/** Follows a path of local names from `parent`, first match at each step. */
export function pathNamed(parent: XmlElement, ...names: string[]): XmlElement | undefined {
  let at: XmlElement | undefined = parent;
  for (const name of names) {
    if (at === undefined) return undefined;
    at = childNamed(at, name);
  }
  return at;
}

/** The first descendant (depth first, document order) with this local name. */
export function findDescendant(parent: XmlElement, name: string): XmlElement | undefined {
  for (const child of parent.children) {
    if (child.name === name) return child;
    const below = findDescendant(child, name);
    if (below) return below;
  }
  return undefined;
}

/** The trimmed text of the child at a path, or undefined when absent or empty. */
export function textAt(parent: XmlElement, ...names: string[]): string | undefined {
  const el = pathNamed(parent, ...names);
  const text = el?.text.trim();
  return text === undefined || text === '' ? undefined : text;
}

/** An attribute by local name, whatever its prefix. */
export function attributeNamed(el: XmlElement, name: string): string | undefined {
  for (const [qname, value] of el.attributes) {
    const colon = qname.indexOf(':');
    if ((colon === -1 ? qname : qname.slice(colon + 1)) === name) return value;
  }
  return undefined;
}

/**
 * A small, strict XML 1.0 well-formedness parser for tests (no DTDs, no
 * CDATA, no namespaces needed): throws on the first violation, otherwise
 * returns the element tree with entities decoded, for structural assertions.
 */

export interface XmlElement {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlElement[];
  text: string;
}

// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NAME = /^[A-Za-z_][\w.-]*/;
const ENTITY = /^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i] as string;
    if (ch === '<') throw new Error(`'<' inside ${where}`);
    if (ch !== '&') {
      out += ch;
      continue;
    }
    const m = ENTITY.exec(raw.slice(i));
    if (!m) throw new Error(`bad entity in ${where}: ${raw.slice(i, i + 12)}`);
    const body = m[1] as string;
    out += body.startsWith('#x') ? String.fromCodePoint(parseInt(body.slice(2), 16)) : body.startsWith('#') ? String.fromCodePoint(Number(body.slice(1))) : NAMED[body];
    i += m[0].length - 1;
  }
  return out;
}

/** Parse a document; throws Error naming the first problem. */
export function parseXml(doc: string): XmlElement {
  const bad = FORBIDDEN.exec(doc);
  if (bad) throw new Error(`forbidden character U+${bad[0].charCodeAt(0).toString(16)} at ${bad.index}`);
  let i = 0;
  if (doc.startsWith('<?xml')) {
    const end = doc.indexOf('?>');
    if (end < 0) throw new Error('unterminated XML declaration');
    i = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    if (stack.length === 0) {
      if (text.trim() !== '') throw new Error(`text outside the root element: ${text.slice(0, 20)}`);
    } else (stack.at(-1) as XmlElement).text += decode(text, 'text');
    if (lt < 0) break;
    i = lt;
    if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i);
      if (end < 0) throw new Error('unterminated comment');
      i = end + 3;
      continue;
    }
    if (doc.startsWith('</', i)) {
      const m = NAME.exec(doc.slice(i + 2));
      const close = doc.indexOf('>', i);
      const top = stack.pop();
      if (!m || !top || top.name !== m[0] || doc.slice(i + 2 + m[0].length, close).trim() !== '') throw new Error(`mismatched close tag at ${i}`);
      i = close + 1;
      continue;
    }
    const m = NAME.exec(doc.slice(i + 1));
    if (!m) throw new Error(`bad tag at ${i}: ${doc.slice(i, i + 20)}`);
    const el: XmlElement = { name: m[0], attrs: {}, children: [], text: '' };
    i += 1 + m[0].length;
    const attrs: Record<string, string> = {};
    for (;;) {
      const rest = doc.slice(i);
      const ws = /^\s*/.exec(rest)?.[0].length ?? 0;
      i += ws;
      if (doc.startsWith('/>', i) || doc.startsWith('>', i)) break;
      if (ws === 0) throw new Error(`missing whitespace before attribute at ${i}`);
      const a = /^([A-Za-z_][\w.:-]*)="([^"]*)"/.exec(doc.slice(i));
      if (!a) throw new Error(`bad attribute at ${i}: ${doc.slice(i, i + 30)}`);
      const name = a[1] as string;
      if (name in attrs) throw new Error(`duplicate attribute ${name}`);
      attrs[name] = decode(a[2] as string, `attribute ${name}`);
      i += a[0].length;
    }
    Object.assign(el.attrs, attrs);
    const parent = stack.at(-1);
    if (parent) parent.children.push(el);
    else if (root) throw new Error('a second root element');
    else root = el;
    if (doc.startsWith('/>', i)) i += 2;
    else {
      i += 1;
      stack.push(el);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed element <${(stack.at(-1) as XmlElement).name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element named `name` under `el` (depth first). */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    if (e.name === name) out.push(e);
    e.children.forEach(walk);
  };
  walk(el);
  return out;
}

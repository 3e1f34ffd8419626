/**
 * A small YAML writer for the files the drivers generate (compose files,
 * LiteLLM configs): block maps and sequences of plain JSON data, with
 * comments attached to entries. Strings are quoted (JSON style, valid YAML)
 * whenever a plain scalar could be read as something else. Pure.
 */

/** A value with a comment written on the line(s) above it. */
export class Commented {
  constructor(
    readonly comment: string,
    readonly value: YamlValue,
  ) {}
}

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined } | Commented;

/** Attach a comment when there is one. */
export function commented(comment: string | undefined, value: YamlValue): YamlValue {
  return comment === undefined || comment === '' ? value : new Commented(comment, value);
}

const RESERVED = /^(?:true|false|yes|no|on|off|y|n|null|~|[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|0x[0-9a-f]+|0o[0-7]+|\.inf|\.nan)$/i;
const PLAIN = /^[A-Za-z0-9_/.$][A-Za-z0-9_/.${}:=+,@%-]*$/;

/** A scalar as YAML text. */
export function scalar(value: YamlScalar): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  // Digits-and-colons (port mappings) are quoted: YAML 1.1 readers take 10:20 for a base-60 number.
  if (value !== '' && PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(':') && !/^[\d.:]+$/.test(value)) return value;
  return JSON.stringify(value);
}

function key(k: string): string {
  return scalar(k);
}

function commentLines(comment: string, indent: string): string[] {
  return comment.split('\n').map((line) => `${indent}# ${line}`.trimEnd());
}

function isMap(v: YamlValue): v is { readonly [key: string]: YamlValue | undefined } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Commented);
}

function isEmptyCollection(v: YamlValue): boolean {
  if (Array.isArray(v)) return v.length === 0;
  return isMap(v) && Object.values(v).every((x) => x === undefined);
}

function emit(value: YamlValue, indent: string, out: string[], lead: string): void {
  // `lead` is what precedes the value on its first line ("key:" or "-").
  if (value instanceof Commented) {
    out.push(...commentLines(value.comment, indent));
    emit(value.value, indent, out, lead);
    return;
  }
  if (Array.isArray(value) || isMap(value)) {
    if (isEmptyCollection(value)) {
      out.push(`${indent}${lead}${lead === '' ? '' : ' '}${Array.isArray(value) ? '[]' : '{}'}`);
      return;
    }
    const inner = lead === '' ? indent : `${indent}  `;
    if (lead === '-' && isMap(value)) {
      // Compact form: the map's first entry on the dash line, unless it starts with a comment.
      const lines: string[] = [];
      for (const [k, v] of Object.entries(value)) if (v !== undefined) emit(v, inner, lines, `${key(k)}:`);
      const first = lines[0] ?? '';
      if (!first.trimStart().startsWith('#')) {
        out.push(`${indent}- ${first.slice(inner.length)}`, ...lines.slice(1));
        return;
      }
    }
    if (lead !== '') out.push(`${indent}${lead}`);
    if (Array.isArray(value)) {
      for (const item of value as readonly YamlValue[]) emit(item, inner, out, '-');
    } else {
      for (const [k, v] of Object.entries(value)) if (v !== undefined) emit(v, inner, out, `${key(k)}:`);
    }
    return;
  }
  out.push(`${indent}${lead}${lead === '' ? '' : ' '}${scalar(value as YamlScalar)}`);
}

/**
 * Render a document. `header` lines become comments at the top. Sequence
 * items are written on their own indented block ("- " then the map below),
 * which every YAML 1.2 reader accepts.
 */
export function toYaml(value: YamlValue, header: readonly string[] = []): string {
  const out: string[] = header.flatMap((h) => commentLines(h, ''));
  emit(value, '', out, '');
  return `${out.join('\n')}\n`;
}

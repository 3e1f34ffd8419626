/**
 * Escaping for the file renderers. Everything a server sent (details,
 * evidence, model output) passes through one of these before it reaches an
 * HTML or XML document: renderers never concatenate raw server text.
 */

// C0 controls other than tab, newline and carriage return, plus DEL.
// eslint-disable-next-line no-control-regex
const HTML_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
// eslint-disable-next-line no-control-regex
const XML_FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A control character written out as `\uXXXX` text: visible in any font, and inert. */
function visibleEscape(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Escape text for HTML element content and quoted attribute values.
 * Control characters become visible `\uXXXX` text; lone surrogates
 * become U+FFFD.
 */
export function escapeHtml(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(HTML_CONTROL, visibleEscape)
    .replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] ?? ch);
}

/** Characters XML 1.0 forbids, written out as `\uXXXX` text; lone surrogates become U+FFFD. */
function stripXmlForbidden(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(XML_FORBIDDEN, visibleEscape);
}

/** Escape text for XML element content. */
export function escapeXmlText(text: string): string {
  return stripXmlForbidden(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escape text for a double-quoted XML attribute. Tab, newline and CR are
 * written as character references: a parser would otherwise normalise them
 * to spaces.
 */
export function escapeXmlAttr(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * JSON for a `<script type="application/json">` block: `<` is written as
 * `\u003c` so no string in the data can close the script element or open a
 * comment, and U+2028/U+2029 are escaped for older parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AppError } from '../../engine/errors.ts';

/**
 * The flat `<xml><Name>value</Name>…</xml>` documents of WeChat and WeCom callbacks. Entity processing
 * is off (no DOCTYPE is accepted at all: nothing can expand), tag values stay strings (a 64-bit MsgId
 * must not become a lossy number), CDATA is kept verbatim and only the five predefined entities and
 * character references outside CDATA are decoded, by hand.
 */
const parser = new XMLParser({
  processEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  trimValues: false,
});

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref]!;
    const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return decodeEntities(node);
  if (node && typeof node === 'object' && !Array.isArray(node)) {
    const n = node as Record<string, unknown>;
    const cdata = n['#cdata'];
    const text = n['#text'];
    if (cdata === undefined && text === undefined) return Object.keys(n).length === 0 ? '' : undefined;
    const cdataText = Array.isArray(cdata) ? cdata.join('') : typeof cdata === 'string' ? cdata : '';
    return cdataText + (typeof text === 'string' ? decodeEntities(text) : '');
  }
  return undefined;
}

/**
 * The string children of the root `<xml>` element (nested elements such as ScanCodeInfo are left out).
 * Throws AppError BAD_REQUEST when the body is not such a document.
 */
export function parseWxXml(body: string): Record<string, string> {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new AppError('BAD_REQUEST', 'XML with a DOCTYPE is not accepted');
  if (XMLValidator.validate(body) !== true) throw new AppError('BAD_REQUEST', 'malformed XML');
  let doc: unknown;
  try {
    doc = parser.parse(body);
  } catch {
    throw new AppError('BAD_REQUEST', 'malformed XML');
  }
  const root = (doc as Record<string, unknown> | undefined)?.['xml'];
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new AppError('BAD_REQUEST', 'no <xml> root element');
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(root as Record<string, unknown>)) {
    if (name.startsWith('#')) continue;
    const text = textOf(value);
    if (text !== undefined) out[name] = text;
  }
  return out;
}

/**
 * The `<Encrypt>` value of an encrypted callback, found by a plain string search so that the signature
 * over it can be checked before the document is parsed. Null when there is none.
 */
export function extractEncrypt(body: string): string | null {
  const m = /<Encrypt>(?:<!\[CDATA\[([A-Za-z0-9+/=]+)\]\]>|([A-Za-z0-9+/=]+))<\/Encrypt>/.exec(body);
  return m ? (m[1] ?? m[2] ?? null) : null;
}


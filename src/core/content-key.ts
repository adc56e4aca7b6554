import { createHash } from 'node:crypto';

/** Names this encoding; a different layout would get a different tag and so never collide with this one. */
const KEY_FORMAT_TAG = 'larr-content-key-v1';
/** Hex characters kept from the digest: 128 bits, far beyond any collision risk for a text vocabulary. */
export const CONTENT_KEY_HEX_CHARS = 32;

/**
 * Content-hash key of one embedding: which model embedded which text, made by which template.
 *
 * Format: the first 32 lower-case hex characters of
 *   sha256( part(tag) ‖ part(modelVersion) ‖ part(templateVersion) ‖ part(canonicalText) )
 * where tag = "larr-content-key-v1" and part(s) = uint32 big-endian byte length of UTF-8(s) ‖ UTF-8(s).
 * The length prefixes make the encoding unambiguous: ("a", "bc") and ("ab", "c") hash different bytes.
 *
 * `canonicalText` must already be canonical (featurize output): the key does not normalise it. Lone
 * surrogates encode as U+FFFD, which canonical text never contains.
 */
export function contentKey(modelVersion: string, templateVersion: string, canonicalText: string): string {
  const parts = [KEY_FORMAT_TAG, modelVersion, templateVersion, canonicalText];
  let size = 0;
  for (const part of parts) size += 4 + Buffer.byteLength(part, 'utf8');
  const encoded = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const part of parts) {
    const length = encoded.write(part, offset + 4, 'utf8');
    encoded.writeUInt32BE(length, offset);
    offset += 4 + length;
  }
  return createHash('sha256').update(encoded).digest('hex').slice(0, CONTENT_KEY_HEX_CHARS);
}

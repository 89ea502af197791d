// PEM text ⇄ DER bytes (RFC 7468), strict enough that a truncated or pasted-
// over file is reported instead of silently decoding to garbage. No
// dependencies: the proxy imports this through verify.ts.

export interface PemBlock {
  /** The label between BEGIN and END, e.g. `CERTIFICATE`. */
  readonly label: string;
  readonly der: Uint8Array;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Every PEM block in `text`, in order. Text outside blocks (comments such as
 * OpenSSL's "subject=" lines) is ignored; a block whose END label differs or
 * whose body is not base64 throws, naming the block.
 */
export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, begin = '', body = '', end = ''] = m;
    const where = `PEM block ${blocks.length + 1} (${begin})`;
    if (begin !== end) throw new Error(`${where}: ends with "END ${end}"; the BEGIN and END labels must match`);
    // RFC 7468 allows headers only in legacy encrypted keys; those are refused where keys are read.
    const b64 = body.replace(/\s+/g, '');
    if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64.test(b64)) {
      throw new Error(`${where}: the body is not valid base64 (truncated or edited?)`);
    }
    blocks.push({ label: begin, der: new Uint8Array(Buffer.from(b64, 'base64')) });
  }
  return blocks;
}

/** The DER of each block labelled `label`; throws when there is none or another label appears. */
export function pemBlocksOf(text: string, label: string): Uint8Array[] {
  const blocks = parsePem(text);
  if (blocks.length === 0) throw new Error(`no "-----BEGIN ${label}-----" block found`);
  const other = blocks.find((b) => b.label !== label);
  if (other !== undefined) throw new Error(`expected only ${label} blocks, found a ${other.label} block`);
  return blocks.map((b) => b.der);
}

/** One PEM block, base64 wrapped at 64 columns, ending in a newline. */
export function toPem(label: string, der: Uint8Array | ArrayBuffer): string {
  const b64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Certificates as one PEM text (a chain or a bundle), in the given order. */
export function certificatesToPem(ders: readonly (Uint8Array | ArrayBuffer)[]): string {
  return ders.map((d) => toPem('CERTIFICATE', d)).join('');
}

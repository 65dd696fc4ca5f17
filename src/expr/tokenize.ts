import { ExpressionError } from './error.js';

/** `bad` is a character that starts no token; the parser reports it when it gets there, so errors come in reading order. */
export type TokenKind = 'num' | 'str' | 'name' | 'op' | 'bad' | 'eof';
export interface Token {
  kind: TokenKind;
  /** For `num` the parsed number; for `str` the unescaped value; else the source text. */
  value: string | number;
  text: string;
  /** 1-based column of the token's first character. */
  pos: number;
}

/** Longest first so `//` wins over `/`, `**` over `*`, `<=` over `<`. */
const OPERATORS = ['**', '//', '==', '!=', '<=', '>=', '(', ')', '[', ']', ',', '.', '&', '|', '^', '~', '<', '>', '+', '-', '*', '/', '%', '='];
const MAX_LENGTH = 10_000;

const isIdStart = (c: string) => /[A-Za-z_]/.test(c);
const isId = (c: string) => /[A-Za-z0-9_]/.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

/** Splits a Python polars expression into tokens; newlines and tabs count as whitespace. */
export function tokenize(src: string): Token[] {
  if (src.length > MAX_LENGTH) throw new ExpressionError(`expression is longer than ${MAX_LENGTH} characters`, 1);
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const pos = i + 1;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2; // Python line continuation
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      const m = /^(?:\d[\d_]*)?(?:\.[\d_]*)?(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      let text = m[0];
      if (!text || text === '.') throw new ExpressionError(`invalid number`, pos);
      if (/^0[xob]/i.test(src.slice(i, i + 2))) throw new ExpressionError('only decimal numbers are supported', pos);
      if (isIdStart(src[i + text.length] ?? '')) throw new ExpressionError(`invalid number "${src.slice(i, i + text.length + 1)}"`, pos);
      if (/_$|__|_\.|\._/.test(text)) throw new ExpressionError(`invalid number "${text}"`, pos);
      const value = Number(text.replace(/_/g, ''));
      if (!Number.isFinite(value)) throw new ExpressionError(`number "${text}" is out of range`, pos);
      out.push({ kind: 'num', value, text, pos });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'") {
      if (src.startsWith(c.repeat(3), i)) throw new ExpressionError('triple-quoted strings are not supported', pos);
      let j = i + 1;
      let value = '';
      for (;;) {
        const d = src[j];
        if (d === undefined || d === '\n') throw new ExpressionError('unterminated string', pos);
        if (d === c) break;
        if (d === '\\') {
          const e = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
          if (e === undefined || !(e in map)) throw new ExpressionError(`unsupported escape "\\${e ?? ''}" in string`, j + 1);
          value += map[e];
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      out.push({ kind: 'str', value, text: src.slice(i, j + 1), pos });
      i = j + 1;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < src.length && isId(src[j]!)) j++;
      const text = src.slice(i, j);
      if ((src[j] === '"' || src[j] === "'") && /^[rbufRBUF]{1,2}$/.test(text)) {
        throw new ExpressionError(`string prefix "${text}" is not supported`, pos);
      }
      out.push({ kind: 'name', value: text, text, pos });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) {
      out.push({ kind: 'bad', value: c, text: c, pos });
      i++;
      continue;
    }
    out.push({ kind: 'op', value: op, text: op, pos });
    i += op.length;
  }
  out.push({ kind: 'eof', value: '', text: '', pos: src.length + 1 });
  return out;
}

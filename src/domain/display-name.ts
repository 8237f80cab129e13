// The one display-name rule, for every path that takes a name (journey start, the `name` update, the Graph
// client). Pure and workflow-safe. What it checks and why: docs/display-names.md.

export const DISPLAY_NAME_MIN = 3;
export const DISPLAY_NAME_MAX = 255;
/** The rules below in a sentence, for the API's reference. */
export const DISPLAY_NAME_RULES =
  `the name customers see, which Meta reviews: ${DISPLAY_NAME_MIN}–${DISPLAY_NAME_MAX} characters, without ` +
  'control or invisible characters, emoji, symbols such as ©, web addresses or "WhatsApp"';

/**
 * The name's field as the OpenAPI document says it: its rules, and its length in characters (JSON Schema counts code
 * points, as the rule does; the bodies' own bound, higher, only bounds the work).
 */
export const DISPLAY_NAME_DOCUMENTED = {
  description: DISPLAY_NAME_RULES,
  minLength: DISPLAY_NAME_MIN,
  maxLength: DISPLAY_NAME_MAX,
  examples: ['Acme Support'],
};

export type DisplayNameCheck = { ok: true; name: string } | { ok: false; problem: string };

/** NFC, spaces (any Unicode space separator) trimmed and collapsed to one; nothing else is rewritten. */
export function normaliseDisplayName(input: string): string {
  return input
    .normalize('NFC')
    .replace(/\p{Zs}+/gu, ' ')
    .trim();
}

/** A character as its code point (U+200B): echoing an invisible one would reproduce the problem. */
export const codePoint = (char: string) =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

// Each rule: a pattern that finds the first offending character or text, and how to say what is wrong with it.
// Invisible characters are named by code point: echoing them would reproduce the problem in a terminal.
interface Rule {
  /** The first offending character or text, or null. */
  find: (name: string) => string | null;
  problem: (found: string) => string;
}

const matching =
  (pattern: RegExp) =>
  (name: string): string | null =>
    pattern.exec(name)?.[0] ?? null;

/** The brand, with any spacing between its halves, in any case. */
const BRAND = /whats\s*app/iu;

const rules: readonly Rule[] = [
  { find: matching(/\p{Cc}/u), problem: (c) => `contains a control character (${codePoint(c)})` },
  {
    find: matching(/[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u),
    problem: (c) => `contains a bidirectional-text control (${codePoint(c)})`,
  },
  { find: matching(/[\u00A9\u00AE\u2117\u2120\u2122]/u), problem: (c) => `may not contain symbols such as ${c}` },
  {
    // Before the invisible characters: an emoji joined by zero-width joiners (a family's) is refused as an emoji
    // (after the symbols: ™ is a pictograph too).
    find: matching(/[\p{Extended_Pictographic}\p{Regional_Indicator}\u20E3\uFE0F]/u),
    problem: () => 'may not contain emoji',
  },
  {
    // Zero-width and other format characters, line/paragraph separators, Hangul fillers (blank "letters").
    find: matching(/[\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]/u),
    problem: (c) => `contains an invisible character (${codePoint(c)})`,
  },
  {
    // Half of a character written in two (a surrogate without its pair): text broken in the copying, or sent so.
    find: matching(/\p{Cs}/u),
    problem: (c) => `contains a broken character (${codePoint(c)}, half of a character written in two)`,
  },
  {
    find: matching(/[\p{Co}\p{Cn}]/u),
    problem: (c) => `contains an unassigned or private-use character (${codePoint(c)})`,
  },
  {
    // A scheme, "www.", a link's host (a two-letter domain and a path: wa.me/…), a second-level country domain
    // (O2.co.uk), a short host everyone knows, or a host name ending in a common top-level domain, or in a two-letter
    // one after a label of three or more: "acme.de" is a host, "Co.KG", "Dr.Oz" and "S.A.de" are how businesses
    // write their names. Each label is matched from its start (the lookbehind), so a long run of letters is read
    // once. Everything it refuses the rule before refused too: an update it took replays taken.
    find: (name) => schemeIn(name) ?? HOSTS.exec(name)?.[0] ?? null,
    problem: (found) => `may not contain a URL or web address ("${found}")`,
  },
  { find: matching(BRAND), problem: () => 'may not contain "WhatsApp"' },
];

/** The host rule's patterns but the scheme's (schemeIn): each label matched from its start, so read in one pass. */
const HOSTS =
  /\bwww\.|(?<![\p{L}\p{N}-])[\p{L}\p{N}-]+\.[a-z]{2}\/|(?<![\p{L}\p{N}-])[\p{L}\p{N}-]+\.(?:co|com|net|org|ac|gov|or|ne)\.[a-z]{2}(?![\p{L}\p{N}])|(?<![\p{L}\p{N}-])(?:wa|t|m|fb|g|is|ow|bit)\.(?:me|co|gd|ly)(?![\p{L}\p{N}])|(?<![\p{L}\p{N}-])[\p{L}\p{N}-]+\.(?:com|net|org|info|biz|io|app|shop|store|online|site|xyz|dev|ai)(?![\p{L}\p{N}])|(?<![\p{L}\p{N}-])[\p{L}\p{N}-]{3,}\.[a-z]{2}(?![\p{L}\p{N}])/iu;

const SCHEME_CHAR = /[a-z0-9+.-]/iu;
const LETTER = /[a-z]/iu;
const WORD = /\w/iu;

/**
 * A scheme (`https://`), as `\b[a-z][a-z0-9+.-]*:\/\/` with the i and u flags finds it, in one pass: that pattern
 * starts again at every letter of a long run of letters and dashes with no "://" after it (a name of 1,000
 * characters took 0.7 ms, a batch of 900 such names held the service 0.9 s). From each "://" back over the run of
 * scheme characters before it, the first letter at a word's start begins the scheme.
 */
function schemeIn(name: string): string | null {
  for (let at = name.indexOf('://'); at >= 0; at = name.indexOf('://', at + 1)) {
    let start = at;
    while (start > 0 && SCHEME_CHAR.test(name[start - 1] ?? '')) start--;
    for (let p = start; p < at; p++) {
      if (LETTER.test(name[p] ?? '') && (p === 0 || !WORD.test(name[p - 1] ?? ''))) return name.slice(p, at + 3);
    }
  }
  return null;
}

/**
 * The host rule as journeys applied it before 7 December 2026: any letter before a two-letter domain. A journey's
 * signal refused by it is refused so again when its history replays (./operator-input.ts, the journey's patch).
 */
const HOSTS_AS_BEFORE =
  /[\p{L}\p{N}-]\.(?:com|net|org|info|biz|io|app|shop|store|online|site|xyz|dev|ai|[a-z]{2})(?![\p{L}\p{N}])/iu;

/**
 * U+FFFD stands for a character lost when the text was read in another encoding (a Latin-1 file read as UTF-8):
 * refused where a name comes in, never in a journey's signals, which took it before and replay so.
 */
const LOST_CHARACTER: Rule = {
  find: matching(/\uFFFD/u),
  problem: () => 'contains U+FFFD, a character lost to a wrong text encoding (send the name as UTF-8)',
};

/** The name in NFKC, or null when that reads as the name itself. */
function foldedLetters(name: string): string | null {
  const folded = name.normalize('NFKC');
  return folded === name ? null : folded;
}

const IN_FOLDED_LETTERS = ' (written in full-width or other compatibility letters)';

/**
 * "WhatsApp" and web addresses written in compatibility letters (full-width ＷｈａｔｓＡｐｐ, ｓｈｏｐ．ｃｏｍ, ligatures),
 * which people read as the plain ones: found in the name's NFKC form. Only where a name comes in, as LOST_CHARACTER:
 * a journey took such names before and replays so.
 */
const FOLDED_LETTERS: readonly Rule[] = [
  {
    find: (name) => {
      const folded = foldedLetters(name);
      return folded && (schemeIn(folded) ?? HOSTS.exec(folded)?.[0] ?? null);
    },
    problem: (found) => `may not contain a URL or web address ("${found}")${IN_FOLDED_LETTERS}`,
  },
  {
    find: (name) => {
      const folded = foldedLetters(name);
      return folded && matching(BRAND)(folded);
    },
    problem: () => `may not contain "WhatsApp"${IN_FOLDED_LETTERS}`,
  },
];

export interface DisplayNameRuleOptions {
  /** The rule as a journey's history applied it (without LOST_CHARACTER). */
  asRecorded?: boolean;
  /**
   * Asked only of a name the host rule before took for a web address and today's does not: whether to refuse it as
   * before (a journey's signal handler, where the answer is its patch's).
   */
  hostsAsBefore?: () => boolean;
}

/** Normalises and checks a display name; the problem is a phrase to follow "the display name". */
export function validateDisplayName(
  input: unknown,
  { asRecorded = false, hostsAsBefore }: DisplayNameRuleOptions = {},
): DisplayNameCheck {
  if (typeof input !== 'string') return { ok: false, problem: 'must be text' };
  const name = normaliseDisplayName(input);
  if (name === '') return { ok: false, problem: 'is empty' };
  // Far too long is said before the patterns read it: a name of a megabyte would hold the thread that checks it.
  if (name.length > 4 * DISPLAY_NAME_MAX) {
    return { ok: false, problem: `must be at most ${DISPLAY_NAME_MAX} characters, got ${[...name].length}` };
  }
  for (const { find, problem } of asRecorded ? rules : [...rules, LOST_CHARACTER, ...FOLDED_LETTERS]) {
    const found = find(name);
    if (found !== null) return { ok: false, problem: problem(found) };
  }
  const before = hostsAsBefore && HOSTS_AS_BEFORE.exec(name);
  if (before && hostsAsBefore()) return { ok: false, problem: 'may not contain a URL or web address' };
  const length = [...name].length; // code points, as a person counts characters
  if (length < DISPLAY_NAME_MIN) return { ok: false, problem: `must be at least ${DISPLAY_NAME_MIN} characters` };
  if (length > DISPLAY_NAME_MAX) {
    return { ok: false, problem: `must be at most ${DISPLAY_NAME_MAX} characters, got ${length}` };
  }
  return { ok: true, name };
}

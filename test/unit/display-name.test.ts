import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkDisplayName } from '../../src/domain/operator-input.js';
import { normaliseDisplayName, validateDisplayName } from '../../src/domain/display-name.js';

const refusal = (name: string) => {
  try {
    checkDisplayName(name);
  } catch (err) {
    return (err as Error).message;
  }
  return null;
};

// Characters that must never reach Meta: C0/C1 controls (ESC starts ANSI sequences), bidi overrides and
// isolates, zero-width and other invisible format characters.
const forbidden = [
  '\u0000',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u202e',
  '\u202d',
  '\u2066',
  '\u2069',
  '\u200b',
  '\u200d',
  '\u2060',
  '\ufeff',
  '\u00ad',
  '\u2028',
  '\t',
  '\n',
];

describe('the display-name rule', () => {
  it.each([
    ['Acme\u001b[31m Support', 'the display name contains a control character (U+001B)'],
    ['Acme\u0007Bell', 'the display name contains a control character (U+0007)'],
    ['Acme \u202eroppuS', 'the display name contains a bidirectional-text control (U+202E)'],
    ['Acme\u2066Support\u2069', 'the display name contains a bidirectional-text control (U+2066)'],
    ['Ac\u200bme Support', 'the display name contains an invisible character (U+200B)'],
    ['Acme \ud800 Shop', 'the display name contains a broken character (U+D800, half of a character written in two)'],
    ['Acme \ue000 Shop', 'the display name contains an unassigned or private-use character (U+E000)'],
    ['Acme Support ™', 'the display name may not contain symbols such as ™'],
    ['Acme Support 😀', 'the display name may not contain emoji'],
    ['Family 👨\u200d👩\u200d👧 Shop', 'the display name may not contain emoji'],
    ['https://acme.example', 'the display name may not contain a URL or web address ("https://")'],
    ['Acme www.acme', 'the display name may not contain a URL or web address ("www.")'],
    ['Acme.com Support', 'the display name may not contain a URL or web address ("Acme.com")'],
    ['Acme.de Support', 'the display name may not contain a URL or web address ("Acme.de")'],
    ['Lab.ai Tutors', 'the display name may not contain a URL or web address ("Lab.ai")'],
    ['Chat wa.me/15551234567', 'the display name may not contain a URL or web address ("wa.me/")'],
    ['O2.co.uk Shop', 'the display name may not contain a URL or web address ("O2.co.uk")'],
    ['Acme g.co', 'the display name may not contain a URL or web address ("g.co")'],
    ['a'.repeat(50_000), 'the display name must be at most 255 characters, got 50000'], // said before any pattern reads it
    ['Acme WhatsApp Desk', 'the display name may not contain "WhatsApp"'],
    ['x', 'the display name must be at least 3 characters'],
    ['   ', 'the display name is empty'],
    ['A'.repeat(256), 'the display name must be at most 255 characters, got 256'],
  ])('refuses %j: %s', (name, message) => {
    expect(refusal(name)).toBe(message);
  });

  it('refuses a character lost to a wrong encoding (U+FFFD) where a name comes in; a journey replays it as taken', () => {
    expect(refusal('Caf\ufffd Latin')).toBe(
      'the display name contains U+FFFD, a character lost to a wrong text encoding (send the name as UTF-8)',
    );
    expect(checkDisplayName('Caf\ufffd Latin', { asRecorded: true })).toBe('Caf\ufffd Latin');
  });

  it('refuses "WhatsApp" and web addresses in full-width or other compatibility letters where a name comes in; a journey replays them as taken', () => {
    const folded = ' (written in full-width or other compatibility letters)';
    expect(refusal('ＷｈａｔｓＡｐｐ Shop')).toBe(`the display name may not contain "WhatsApp"${folded}`);
    expect(refusal('Ⓦhats Ⓐpp Desk')).toBe(`the display name may not contain "WhatsApp"${folded}`);
    expect(refusal('Acme ｓｈｏｐ．ｃｏｍ')).toBe(
      `the display name may not contain a URL or web address ("shop.com")${folded}`,
    );
    for (const taken of ['ＷｈａｔｓＡｐｐ Shop', 'Acme ｓｈｏｐ．ｃｏｍ']) {
      expect(checkDisplayName(taken, { asRecorded: true })).toBe(taken);
    }
    // Compatibility letters alone are a name: full-width Latin, a ligature, a circled letter.
    for (const name of ['Ｃａｆé Ｌｕｎａ', 'ﬁne foods', 'Ⓐcme Bakery']) expect(checkDisplayName(name)).toBe(name);
  });

  it('takes the abbreviations businesses write their names with, which the host rule before took for web addresses', () => {
    const asked: string[] = [];
    for (const name of ['Müller GmbH & Co.KG', 'Dr.Oz Clinic', 'Mr.Li Noodles', 'Acme S.A.de C.V.', 'Hi.Fi Store']) {
      expect(checkDisplayName(name)).toBe(name);
      // A journey's signal asks its patch, and only for such a name: refused as before in a history from before.
      expect(() => checkDisplayName(name, { asRecorded: true, hostsAsBefore: () => (asked.push(name), true) })).toThrow(
        'the display name may not contain a URL or web address',
      );
      expect(checkDisplayName(name, { asRecorded: true, hostsAsBefore: () => false })).toBe(name);
    }
    checkDisplayName('Acme Support', { hostsAsBefore: () => (asked.push('Acme Support'), true) });
    expect(asked).not.toContain('Acme Support');
  });

  it('refuses a web address as the one-pattern rule did, and reads a long run of letters and dashes in one pass', () => {
    // The rule as one pattern, before its scheme was read by hand (it restarted at every letter of a long run).
    const asOnePattern =
      /\b[a-z][a-z0-9+.-]*:\/\/|\bwww\.|(?<![\p{L}\p{N}-])[\p{L}\p{N}-]+\.[a-z]{2}\/|(?<![\p{L}\p{N}-])[\p{L}\p{N}-]+\.(?:co|com|net|org|ac|gov|or|ne)\.[a-z]{2}(?![\p{L}\p{N}])|(?<![\p{L}\p{N}-])(?:wa|t|m|fb|g|is|ow|bit)\.(?:me|co|gd|ly)(?![\p{L}\p{N}])|(?<![\p{L}\p{N}-])[\p{L}\p{N}-]+\.(?:com|net|org|info|biz|io|app|shop|store|online|site|xyz|dev|ai)(?![\p{L}\p{N}])|(?<![\p{L}\p{N}-])[\p{L}\p{N}-]{3,}\.[a-z]{2}(?![\p{L}\p{N}])/iu;
    const alphabet = [...'aAhwé1+.-:/_ ', 'ſ', '\u212A', 'ttp', 'www.', '://', '.com', '.de', 'co.uk'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 30 }), (parts) => {
        const name = normaliseDisplayName(parts.join(''));
        const check = validateDisplayName(name);
        const refused = !check.ok && check.problem.startsWith('may not contain a URL or web address');
        expect(refused, JSON.stringify(name)).toBe(asOnePattern.test(name));
      }),
      { numRuns: 20_000 },
    );
    // What the one pattern read in about a millisecond (quadratic): refused for its length, the rule read once.
    const long = 'a-'.repeat(509) + 'a.';
    expect(validateDisplayName(long)).toEqual({ ok: false, problem: 'must be at most 255 characters, got 1020' });
    expect(validateDisplayName('Acme http://acme.example')).toEqual({
      ok: false,
      problem: 'may not contain a URL or web address ("http://")',
    });
  });

  it('refuses what is not text', () => {
    expect(() => checkDisplayName(42)).toThrow('the display name must be text');
  });

  it.each([
    ['  Acme   Support  ', 'Acme Support'],
    ['Acme\u00a0\u2003Support', 'Acme Support'],
    ['Cafe\u0301 Lumie\u0300re', 'Café Lumière'],
    ["Tammy's Burritos & Tacos", "Tammy's Burritos & Tacos"],
    ['IBM Support', 'IBM Support'],
    ['Acme Inc.', 'Acme Inc.'],
    ['Ωmega Ελληνικά', 'Ωmega Ελληνικά'],
  ])('accepts and normalises %j', (name, normalised) => {
    expect(checkDisplayName(name)).toBe(normalised);
  });

  it('refuses any name with an injected control, bidi or invisible character', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(...forbidden), fc.string(), (before, bad, after) => {
        expect(refusal(`Acme ${before}${bad}${after} Support`)).toMatch(/^the display name /);
      }),
    );
  });

  it('normalises valid names idempotently', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (raw) => {
        const name = `Acme ${raw}`;
        if (refusal(name) !== null) return;
        const once = checkDisplayName(name);
        expect(checkDisplayName(once)).toBe(once);
        expect(once).toBe(once.normalize('NFC'));
        expect(once).not.toMatch(/^\s|\s$|\s\s/u);
      }),
    );
  });
});

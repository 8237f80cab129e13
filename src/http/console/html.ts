// The console's one way to make markup: a tagged template that HTML-escapes every interpolated value (escape-html),
// except markup made by this same template. There is no way to insert a raw string, so nothing a journey, Meta or a
// form carries (a display name, an error message, a note) can become markup.
import escapeHtml from 'escape-html';

const markup = Symbol('markup');

/** Markup made by `html`: interpolated into another template as it is. */
export interface Html {
  readonly [markup]: string;
}

export type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '');
  });
  return { [markup]: text };
}

/** The document's text. */
export function toText(document: Html): string {
  return document[markup];
}

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'string' || typeof value === 'number') return escapeHtml(String(value));
  if (isHtml(value)) return value[markup];
  return value.map(render).join('');
}

function isHtml(value: Html | readonly Interpolation[]): value is Html {
  return markup in value;
}

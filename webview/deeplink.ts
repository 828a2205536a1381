// Deep links into the map: `#focus=<function>`, `#path=<preset>` or `#path=<from>,<via>,<to>` (the
// via optional: `#path=a,b`), with `&depth=N`. Parsed and written here, pure, for the serve URL, the
// Open Stack Map command and Copy link.

export type DeepLink =
  | { kind: 'focus'; fn: string }
  | { kind: 'preset'; preset: string }
  | { kind: 'trace'; from: string; via?: string; to: string; depth?: number };

const NAME = /^[A-Za-z_][\w.-]{0,127}$/;

/** The link in a URL fragment (with or without `#`); undefined when it names none; an error line when malformed. */
export function parseDeepLink(hash: string): DeepLink | { error: string } | undefined {
  const h = hash.replace(/^#/, '').trim();
  if (!h) return undefined;
  const params = new URLSearchParams(h);
  const focus = params.get('focus');
  const path = params.get('path');
  const depthText = params.get('depth');
  const depth = depthText === null ? undefined : Number(depthText);
  if (depth !== undefined && !(Number.isInteger(depth) && depth >= 1 && depth <= 60)) return { error: `deep link: depth must be 1..60, got "${depthText}"` };
  if (focus !== null) return NAME.test(focus) ? { kind: 'focus', fn: focus } : { error: `deep link: "${focus.slice(0, 60)}" is not a function name` };
  if (path !== null) {
    const parts = path.split(',').map((p) => p.trim());
    if (parts.some((p) => !NAME.test(p))) return { error: `deep link: "${path.slice(0, 80)}" is not a preset or from,via,to list of function names` };
    if (parts.length === 1) return { kind: 'preset', preset: parts[0] };
    if (parts.length === 2) return { kind: 'trace', from: parts[0], to: parts[1], ...(depth ? { depth } : {}) };
    if (parts.length === 3) return { kind: 'trace', from: parts[0], via: parts[1], to: parts[2], ...(depth ? { depth } : {}) };
    return { error: `deep link: a path is a preset or from,via,to (got ${parts.length} names)` };
  }
  return { error: `deep link: "${h.slice(0, 60)}" names neither focus= nor path=` };
}

export function formatDeepLink(l: DeepLink): string {
  if (l.kind === 'focus') return `#focus=${l.fn}`;
  if (l.kind === 'preset') return `#path=${l.preset}`;
  return `#path=${[l.from, l.via, l.to].filter(Boolean).join(',')}${l.depth ? `&depth=${l.depth}` : ''}`;
}

/** Globs over tree-relative paths: `**` any depth, `*` and `?` within one segment. A bare folder means everything under it. */
export function globToRegExp(glob: string): RegExp {
  let g = glob.replace(/\\/g, '/').replace(/^\.\//, '');
  if (!/[*?]/.test(g)) g = g.replace(/\/$/, '') + (/\.[ch]$/.test(g) ? '' : '/**');
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*' && g[i + 1] === '*') {
      const slash = g[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

/** The fixed leading folder of a glob (where a walk can start). */
export function globBase(glob: string): string {
  const parts = glob.replace(/\\/g, '/').replace(/^\.\//, '').split('/');
  const fixed: string[] = [];
  for (const p of parts) {
    if (/[*?]/.test(p)) break;
    fixed.push(p);
  }
  if (fixed.length === parts.length && /\.[ch]$/.test(fixed[fixed.length - 1] ?? '')) fixed.pop();
  return fixed.join('/');
}

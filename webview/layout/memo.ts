// The last few layouts by their input: a collapse that undoes an expand (or a search cleared, a path
// lit again) asks for a layout of the same input again, and gets it without the pipeline. The key is
// the input itself, serialized: the same input always gives the same layout (the layout is pure).
import { layoutMap, type LayoutInput, type LayoutResult } from './layout.ts';

export class LayoutMemo {
  private readonly recent = new Map<string, LayoutResult>();

  constructor(private readonly size = 6) {}

  layout(input: LayoutInput): LayoutResult {
    const key = JSON.stringify(input);
    const hit = this.recent.get(key);
    if (hit) {
      // most recently used last
      this.recent.delete(key);
      this.recent.set(key, hit);
      return { ...hit, steps: [{ name: 'same input as a recent layout', ms: 0 }] };
    }
    const r = layoutMap(input);
    this.recent.set(key, r);
    if (this.recent.size > this.size) this.recent.delete(this.recent.keys().next().value!);
    return r;
  }
}

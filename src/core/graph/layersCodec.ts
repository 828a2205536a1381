// The layer model as a cache section: per layer its functions (name, file, line, rule: the rules
// repeat, so each is one shared string), and the registrations as one JSON string.
import { CorruptCache } from '../index/factsCodec.ts';
import { TableWriter, type Table, type TableData } from '../index/sectionFile.ts';
import type { LayerId, LayerModel } from './types.ts';

export function encodeLayers(m: LayerModel): TableData {
  const w = new TableWriter();
  w.ints.push(m.layers.length, w.s(JSON.stringify(m.registrations)));
  for (const l of m.layers) {
    w.ints.push(w.s(l.id), w.s(l.title), l.functions.length);
    for (const f of l.functions) w.ints.push(w.s(f.name), w.s(f.file), f.line, w.s(f.rule));
  }
  return w.data();
}

export function decodeLayers(t: Table): LayerModel {
  const d = t.ints;
  let p = 0;
  const n = () => {
    if (p >= d.length) throw new CorruptCache('layer section runs past its end');
    return d[p++];
  };
  const s = () => t.strings.get(n());
  const count = n();
  let registrations: LayerModel['registrations'];
  try {
    registrations = JSON.parse(s());
  } catch (e) {
    throw e instanceof CorruptCache ? e : new CorruptCache('layer registrations unreadable');
  }
  const layers: LayerModel['layers'] = [];
  for (let i = 0; i < count; i++) {
    const id = s() as LayerId, title = s(), k = n();
    if (k < 0 || k > d.length) throw new CorruptCache('bad layer size');
    const functions: LayerModel['layers'][number]['functions'] = [];
    for (let j = 0; j < k; j++) functions.push({ name: s(), file: s(), line: n(), rule: s() });
    layers.push({ id, title, functions });
  }
  if (p !== d.length) throw new CorruptCache('layer section has the wrong length');
  return { layers, registrations };
}

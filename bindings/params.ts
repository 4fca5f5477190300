// Parameter records: a block's constants (sizes, codes, flags, weight addresses), written into the
// module's memory once, at create, and read by its `_plan` and `_run` exports as an @unmanaged
// class (e.g. `SEParams` in assembly/blocks/se.ts). A record is a list of 32-bit fields in the
// order of that class's fields; a field may point at a sub-record (or a run of them), written
// after it in the same allocation.

import type { Heap } from "./memory.js";

export type Field =
  | { readonly kind: "i32"; readonly value: number }
  | { readonly kind: "f32"; readonly value: number }
  | { readonly kind: "records"; readonly records: readonly Fields[] };
export type Fields = readonly Field[];

/** An i32 field (a size, a code, a flag, or a weight's byte offset: wasm32 pointers are 32-bit). */
export const i32 = (value: number | boolean): Field => ({ kind: "i32", value: Number(value) });
/** An f32 field. */
export const f32 = (value: number): Field => ({ kind: "f32", value });
/** A pointer to a sub-record (0 when `fields` is undefined). */
export const record = (fields: Fields | undefined): Field => ({ kind: "records", records: fields ? [fields] : [] });
/** A pointer to sub-records laid out back to back (an array of one record type). */
export const records = (list: readonly Fields[]): Field => ({ kind: "records", records: list });

const wordsOf = (fields: Fields): number => fields.reduce((n, f) => n + 1 + (f.kind === "records" ? f.records.reduce((m, r) => m + wordsOf(r), 0) : 0), 0);

/** A record in the module's memory; `ptr` is what `_plan` and `_run` take. */
export class ParamRecord {
  readonly ptr: number;

  constructor(private readonly heap: Heap, fields: Fields) {
    this.ptr = heap.allocFloats(wordsOf(fields));
    const i32s = heap.i32, f32s = heap.f32;
    let next = (this.ptr >>> 2) + fields.length;
    const write = (list: Fields, at: number): void => {
      list.forEach((f, i) => {
        if (f.kind === "i32") i32s[at + i] = f.value;
        else if (f.kind === "f32") f32s[at + i] = f.value;
        else {
          i32s[at + i] = f.records.length ? next * 4 : 0;
          // consecutive sub-records first, then each one's own sub-records after them
          const starts = f.records.map((r) => { const s = next; next += r.length; return s; });
          f.records.forEach((r, k) => write(r, starts[k]));
        }
      });
    };
    write(fields, this.ptr >>> 2);
  }

  free(): void {
    this.heap.free(this.ptr);
  }
}

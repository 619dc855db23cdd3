/**
 * The buffer and donation planner shared by every backend's lowering. Given the steps of a
 * program (what each reads and writes), it gives every value a slot:
 * - arguments and constants keep their own storage; a reshape shares its source's;
 * - values the program returns get fresh storage per call ('output' slots), because they escape
 *   as new tensors;
 * - every other intermediate gets a program-owned buffer, returned to a pool (keyed by the
 *   backend's storage key) after its last reader, so later values reuse it within and across calls.
 *
 * Donation is decided per buffer, not per argument: an output may take a donated argument's
 * storage when every argument viewing that storage was donated and none of them is read after
 * the step writing the output (or is read by that step only at the index it writes), and each
 * storage goes to one output at most. Tied weights (`{ enc: W, dec: W }`) are two arguments and
 * one buffer: it backs at most one output, and only once neither leaf is needed any more.
 */
import type { Atom, BufferPlan, BufferSpec, Jaxpr, PlannedStep, PlanOptions, Slot, Var } from '../../tensor';
import { Lit, sizeOf } from '../../tensor';

export function planBuffers(jaxpr: Jaxpr, steps: readonly PlannedStep[], options: PlanOptions): BufferPlan {
  const slotOf = new Map<Var, Slot>();
  jaxpr.invars.forEach((v, i) => slotOf.set(v, { kind: 'arg', index: i }));
  jaxpr.constvars.forEach((v, i) => slotOf.set(v, { kind: 'const', index: i }));

  // Alias groups: a reshape's output shares its root's storage.
  const root = new Map<Var, Var>();
  const rootOf = (v: Var): Var => root.get(v) ?? v;
  for (const s of steps) if (s.alias && !(s.alias.from instanceof Lit)) root.set(s.alias.to, rootOf(s.alias.from));
  const isVar = (a: Atom): a is Var => !(a instanceof Lit);
  const escaping = new Set<Var>(jaxpr.outs.filter(isVar).map(rootOf));

  // The last step reading each root.
  const lastUse = new Map<Var, number>();
  steps.forEach((s, k) => s.reads.forEach((a) => isVar(a) && lastUse.set(rootOf(a), k)));

  const spec = (v: Var): BufferSpec => ({ dtype: v.aval.dtype, size: sizeOf(v.aval.shape) });
  const buffers: BufferSpec[] = [];
  const outputs: BufferPlan['outputs'][number][] = [];
  const pool = new Map<string, number[]>();
  const take = (b: BufferSpec): number => pool.get(options.storageKey(b))?.pop() ?? buffers.push(b) - 1;
  const give = (index: number): void => {
    const key = options.storageKey(buffers[index]!);
    const free = pool.get(key) ?? [];
    if (!free.includes(index)) free.push(index);
    pool.set(key, free);
  };
  const temps = steps.map((s, k) => {
    for (const v of s.writes) {
      if (rootOf(v) !== v || slotOf.has(v)) continue;
      if (escaping.has(v)) {
        slotOf.set(v, { kind: 'output', index: outputs.length });
        outputs.push({ ...spec(v), shape: v.aval.shape, step: k });
      } else slotOf.set(v, { kind: 'buffer', index: take(spec(v)) });
    }
    // Temps, then values nobody reads and reads at their last use, go back to the pool only
    // after this step's writes were placed: a step never writes where it reads.
    const own = (s.temps ?? []).map(take);
    own.forEach(give);
    const released = [...s.writes.filter((v) => (lastUse.get(rootOf(v)) ?? -1) < k), ...s.reads.filter(isVar).filter((a) => lastUse.get(rootOf(a)) === k)];
    for (const v of released) {
      const slot = slotOf.get(rootOf(v));
      if (slot?.kind === 'buffer') give(slot.index);
    }
    return own;
  });
  for (const v of root.keys()) slotOf.set(v, slotOf.get(rootOf(v))!);

  // Donation, statically: per output, the donated arguments whose storage may receive it by a
  // copy after the last step (late), and those it may be computed into directly (in place).
  const late = outputs.map((out) => {
    const key = options.storageKey(out);
    return new Set(jaxpr.invars.flatMap((v, i) => (options.donate[i] && !escaping.has(v) && options.storageKey(spec(v)) === key ? [i] : [])));
  });
  const inPlace = outputs.map((out, k) => {
    const writer = new Set((steps[out.step]!.inPlace ?? []).filter(isVar).map(rootOf));
    return new Set([...late[k]!].filter((i) => {
      const last = lastUse.get(jaxpr.invars[i]!) ?? -1;
      return last < out.step || (last === out.step && writer.has(jaxpr.invars[i]!));
    }));
  });
  const anyDonation = late.some((s) => s.size > 0);
  /** The last answer of `donors` for arguments with distinct storage, per value of lateCopies. */
  const lastDonors: ({ given: boolean[]; result: { readonly arg: readonly number[]; readonly late: readonly boolean[] } } | undefined)[] = [undefined, undefined];

  return {
    slotOf,
    buffers,
    outputs,
    temps,
    donors(storage, lateCopies = false) {
      if (!anyDonation) return { arg: outputs.map(() => -1), late: outputs.map(() => false) };
      // With no two arguments sharing storage, the answer depends only on which arguments have
      // storage to give, so a call like the previous one (a training loop) reuses its answer.
      const seen = new Set<object>();
      let distinct = true;
      for (const b of storage) {
        if (!b) continue;
        if (seen.has(b)) distinct = false;
        seen.add(b);
      }
      const memo = lastDonors[lateCopies ? 1 : 0];
      if (distinct && memo && memo.given.length === storage.length && memo.given.every((g, i) => g === (storage[i] !== undefined))) return memo.result;
      const arg = outputs.map(() => -1);
      const copied = outputs.map(() => false);
      const viewers = new Map<object, number[]>();
      storage.forEach((b, i) => b && viewers.set(b, [...(viewers.get(b) ?? []), i]));
      const claimed = new Set<object>();
      const assign = (ok: readonly Set<number>[], isLate: boolean) => ok.forEach((candidates, k) => {
        if (arg[k]! >= 0) return;
        for (const i of candidates) {
          const b = storage[i];
          if (!b || claimed.has(b) || !viewers.get(b)!.every((j) => candidates.has(j))) continue;
          claimed.add(b);
          arg[k] = i;
          copied[k] = isLate;
          return;
        }
      });
      assign(inPlace, false);
      if (lateCopies) assign(late, true);
      const result = { arg, late: copied };
      if (distinct) lastDonors[lateCopies ? 1 : 0] = { given: storage.map((b) => b !== undefined), result };
      return result;
    },
  };
}

/** Random well-typed programs (see ../programs): a fast-check arbitrary over buildProgram's choices. */
import fc from 'fast-check';
import { buildProgram, type Program } from '../programs';

type Shape = readonly number[];

export interface ProgramOptions {
  readonly maxInputs?: number;
  readonly maxSteps?: number;
  /** Force the output kind (default: either). */
  readonly output?: 'sum' | 'last';
  /** The operations to draw from (default `programOps`; see `controlOps`, `forwardOnlyOps`). */
  readonly ops?: readonly string[];
}

const inputShapes: Shape[] = [[], [3], [2, 3], [3, 2], [1, 3]];

/** Random programs of 1..maxInputs inputs and up to maxSteps steps. */
export function programArb(options: ProgramOptions = {}): fc.Arbitrary<Program> {
  const choice = fc.tuple(fc.nat(1000), fc.nat(1000), fc.nat(1000), fc.nat(1000));
  return fc.tuple(
    fc.array(fc.constantFrom(...inputShapes), { minLength: 1, maxLength: options.maxInputs ?? 3 }),
    fc.array(choice, { minLength: 1, maxLength: options.maxSteps ?? 8 }),
    options.output ? fc.constant(options.output) : fc.constantFrom<'sum' | 'last'>('sum', 'last'),
  ).map(([ins, raw, out]) => buildProgram(ins, raw, out, options.ops));
}

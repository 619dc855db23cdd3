/**
 * tensorlaw/extend: the extension points of the tracing core, for code that adds to the library
 * rather than uses it. Define a primitive with its rules (definePrimitive), or write an
 * interpreter of your own (a Trace and its Tracer, pushed with withMainTrace; bind hands
 * primitives to it), and read or run staged programs (the jaxpr). See docs/extend.md.
 * @example
 *   import { definePrimitive } from 'tensorlaw/extend';
 *   const softplus = definePrimitive({ name: 'softplus', abstractEval: ([x]) => x!, cpu: ..., jvp: ... });
 */
export { definePrimitive, UndefPrimal } from './define';
export type { Primitive, PrimitiveDefinition } from './define';
export {
  bind, Tracer, Trace, withMainTrace, evalPrimitive, abstractEval, transformationStack,
  Jaxpr, ClosedJaxpr, Var, Lit, evalJaxpr, evalClosed, printJaxpr, PRIMS, PRIM_TRAITS, HIGHER_ORDER_PRIMS, isHigherOrder,
} from '../tensor';
export type { MainTrace, Aval, Atom, Eqn, CpuArray, Prim, PrimParams, PrimKind, PrimTraits, HigherOrderPrim, HigherOrderParams } from '../tensor';

/**
 * Optimizers in Optax's shape: gradient transformations (`{ init, update }` pairs of pure
 * functions over pytrees), `chain` to compose them, optimizers as chains of building blocks,
 * schedules as functions of the step, and masking/freezing/partitioning of the parameter tree.
 *
 *   const opt = adamw(1e-3); let state = opt.init(params);
 *   const [updates, next] = opt.update(grad(loss)(params), state, params); params = applyUpdates(params, updates);
 */
export { applyUpdates, chain, identity, setToZero, stateless } from './transform';
export type { EmptyState, GradientTransformation, ScalarOrSchedule, Schedule, OptStateOf, UpdateExtras } from './transform';
export { scale, scaleByLearningRate, scaleBySchedule, scaleBySign, type LearningRateState, type ScaleByScheduleState } from './blocks/scale';
export { scaleByAdam, scaleByAdamax, scaleByBelief, scaleByLion, type ScaleByAdamOptions, type ScaleByAdamState, type ScaleByLionState } from './blocks/adam';
export { scaleByAdadelta, scaleByRms, scaleByRss, scaleByStddev, type ScaleByAdadeltaState, type ScaleByRmsOptions, type ScaleByRmsState, type ScaleByRssState, type ScaleByStddevState } from './blocks/rms';
export { trace, type TraceState } from './blocks/momentum';
export { clip, clipByGlobalNorm, globalNorm } from './blocks/clipping';
export { scaleByTrustRatio } from './blocks/trust';
export { addDecayedWeights, type DecayedWeightsState } from './blocks/decay';
export { applyIfFinite, multiSteps, type ApplyIfFiniteState, type MultiStepsState } from './wrappers';
export { freeze, masked, multiTransform, partition, type Mask, type MaskedState, type PartitionState } from './masking';
export { pathMask, type PathPattern } from './paths';
export { addPenaltyGradients, parameterPenalty, type PenaltyOptions } from './penalties';
export { reduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState } from './plateau';
export { adabelief, adadelta, adagrad, adam, adamax, adamw, lamb, lion, nadam, rmsprop, sgd, type AdadeltaState, type AdagradState, type AdamState, type AdamwState, type LambState, type LionState, type Optimizer, type RmspropOptions, type RmspropState, type SgdState, type WeightDecayOptions } from './optimizers';
export {
  constantSchedule,
  cosineDecaySchedule,
  cosineOnecycleSchedule,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  piecewiseConstantSchedule,
  piecewiseInterpolateSchedule,
  polynomialSchedule,
  warmupCosineDecaySchedule,
  type BoundariesAndScales,
  type ConstantScheduleOptions,
  type CosineDecayScheduleOptions,
  type CosineOnecycleScheduleOptions,
  type ExponentialDecayOptions,
  type JoinSchedulesOptions,
  type LinearScheduleOptions,
  type PiecewiseConstantScheduleOptions,
  type PiecewiseInterpolateScheduleOptions,
  type PolynomialScheduleOptions,
  type ScheduleDType,
  type ScheduleFn,
  type WarmupCosineDecayOptions,
} from './schedules';

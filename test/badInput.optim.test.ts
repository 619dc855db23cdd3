/**
 * Bad inputs to optimizers and schedules. Among them the shape and structure checks at update and
 * applyUpdates: a [1, 3, 2] gradient for a [3, 2] parameter must name the optimizer and the key
 * path instead of silently reshaping the parameter.
 */
import * as T from '../src/index';
import * as optim from '../src/optim';
import { bad, badInputSuite } from './badInput.helpers';

const nested = { layers: [{ w: T.zeros([3, 2]) }] };
const flat = { w: T.zeros([3]) };
const adam = optim.adam(1e-3);

badInputSuite('optimizers', [
  bad('adam', () => optim.adam('0.001' as never), '"0.001"', 'a finite number >= 0 or a schedule'),
  bad('sgd', () => optim.sgd(undefined as never), 'undefined', 'a finite number >= 0 or a schedule'),
  bad('adam', () => optim.adam(NaN), 'NaN', 'a finite number >= 0 or a schedule'),
  bad('adam', () => optim.adam(-1), '-1', 'a finite number >= 0 or a schedule'),
  bad('adam', () => optim.adam(1e-3, { b1: 1 }), 'got 1', 'b1 must be a finite number in [0, 1)'),
  bad('adam', () => optim.adam(1e-3, { beta1: 0.9 } as never), '"beta1"', 'valid options: b1, b2, eps, epsRoot, nesterov'),
  bad('adamw', () => optim.adamw(1e-3, { weightDecay: -1 }), 'got -1', 'weightDecay must be a finite number >= 0'),
  bad('sgd', () => optim.sgd(0.1, { momentum: 1.5 }), 'got 1.5', 'momentum must be a finite number in [0, 1]'),
  bad('rmsprop', () => optim.rmsprop(0.1, { centered: 'yes' } as never), '"yes"', 'true or false'),
  bad('lion', () => optim.lion(0.1, { b3: 0.9 } as never), '"b3"', 'valid options: b1, b2, weightDecay, mask'),
  bad('clipByGlobalNorm', () => optim.clipByGlobalNorm(-1), 'got -1', 'maxNorm must be a finite number > 0'),
  bad('clip', () => optim.clip(NaN), 'NaN', 'maxDelta must be a finite number >= 0'),
  bad('chain', () => optim.chain(optim.adam(1e-3), 3 as never), 'got 3', 'a gradient transformation ({ init, update })'),
  bad('masked', () => optim.masked(3 as never, true), 'got 3', 'a gradient transformation'),
  bad('multiSteps', () => optim.multiSteps(optim.sgd(0.1), 0), 'got 0', 'everyK must be an integer >= 1'),
  bad('applyIfFinite', () => optim.applyIfFinite(optim.sgd(0.1), -1), 'got -1', 'an integer >= 0'),
  bad('optim.partition', () => optim.partition({ a: 3 } as never, { w: 'a' }), 'label "a"', 'a gradient transformation'),
  bad('trace', () => optim.trace({ nesterov: true } as never), '{ decay }', 'the momentum'),
  bad('scale', () => optim.scale(NaN), 'NaN', 'factor must be a finite number'),
  bad('reduceLROnPlateau', () => optim.reduceLROnPlateau({ factor: 2 }), 'got 2', 'factor must be a finite number in (0, 1)'),
  bad('addPenaltyGradients', () => optim.addPenaltyGradients({ l2: -1 }), 'got -1', 'l2 must be a finite number >= 0'),
  bad('pathMask', () => optim.pathMask(3 as never), 'got 3', 'a RegExp, a glob string or a function'),
]);

badInputSuite('optimizer update and applyUpdates', [
  bad('adam.update', () => adam.update({ layers: [{ w: T.zeros([1, 3, 2]) }] }, adam.init(nested), nested), '.layers[0].w is float32[1, 3, 2]', 'the parameter tree there is float32[3, 2]'),
  bad('adam.update', () => adam.update({ layers: [{ w: T.zeros([2]) }] }, adam.init(nested), nested), '.layers[0].w is float32[2]', 'float32[3, 2]'),
  bad('adam.update', () => adam.update({ v: T.zeros([3]) }, adam.init(flat), flat), 'the gradient tree has {v: *}', 'the parameter tree has {w: *}'),
  bad('adam.update', () => adam.update({ w: T.zeros([3]) }, optim.adam(1e-3).init({ w: T.zeros([2]) }), flat), 'the state given at [0].mu.w is float32[2]', 'float32[3]'),
  bad('adam.update', () => adam.update({ w: T.zeros([3]) }, optim.sgd(1e-3).init(flat) as never, flat), 'the state given has {}', 'the state that adam.init makes'),
  bad('sgd.update', () => optim.sgd(0.1).update({ w: 1 } as never, {} as never, flat), 'got 1 at .w', 'must hold only tensors'),
  bad('adam.init', () => adam.init({ w: [1, 2] } as never), 'got 1 at .w[0]', 'must hold only tensors'),
  bad('applyUpdates', () => optim.applyUpdates({ w: T.zeros([3, 2]) }, { w: T.zeros([2]) }), 'the update tree at .w is float32[2]', 'float32[3, 2]'),
  bad('applyUpdates', () => optim.applyUpdates(flat, { b: T.zeros([3]) }), 'the update tree has {b: *}', 'the parameter tree has {w: *}'),
  bad('chain.update', () => {
    const opt = optim.chain(optim.scaleByAdam(), optim.scale(-0.1));
    return opt.update({ w: T.zeros([4]) }, opt.init(flat), flat);
  }, '.w is float32[4]', 'float32[3]'),
]);

badInputSuite('schedules', [
  bad('cosineDecaySchedule', () => optim.cosineDecaySchedule(0.1 as never), 'got 0.1', 'one options object (initValue, decaySteps, alpha, exponent)'),
  bad('cosineDecaySchedule', () => optim.cosineDecaySchedule({ initValue: 0.1, decaySteps: 0 }), 'got 0', 'decaySteps must be a finite number > 0'),
  bad('exponentialDecay', () => optim.exponentialDecay({ initValue: 1, transitionSteps: 10, decay: 0.5 } as never), '"decay"', 'decayRate'),
  bad('exponentialDecay', () => optim.exponentialDecay({ initValue: 1, transitionSteps: 10 } as never), 'decayRate', 'is required'),
  bad('polynomialSchedule', () => optim.polynomialSchedule({ initValue: 1, endValue: 0, power: NaN, transitionSteps: 10 }), 'NaN', 'power must be a finite number'),
  bad('linearSchedule', () => optim.linearSchedule({ initValue: 1, endValue: 0, transitionSteps: 10, transitionBegin: -5 }), 'got -5', 'transitionBegin must be a finite number >= 0'),
  bad('piecewiseConstantSchedule', () => optim.piecewiseConstantSchedule({ initValue: 1, boundariesAndScales: { 10: -1 } }), 'at boundary 10', '>= 0, got -1'),
  bad('joinSchedules', () => optim.joinSchedules({ schedules: [optim.constantSchedule({ value: 1 })], boundaries: [10] }), 'got 1', '1 schedules need 0 boundaries'),
  bad('warmupCosineDecaySchedule', () => optim.warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: 10, decaySteps: 5 }), 'got 5', 'decaySteps must be a finite number > 10'),
  bad('cosineOnecycleSchedule', () => optim.cosineOnecycleSchedule({ transitionSteps: 100, peakValue: 1, pctStart: 2 }), 'got 2', 'in [0, 1]'),
  bad('piecewiseInterpolateSchedule', () => optim.piecewiseInterpolateSchedule({ interpolateType: 'cubic', initValue: 1 } as never), '"cubic"', 'one of "linear", "cosine"'),
  bad('constantSchedule', () => optim.constantSchedule({ value: 'a' } as never), '"a"', 'value must be a finite number'),
]);

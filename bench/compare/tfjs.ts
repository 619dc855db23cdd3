/**
 * TensorFlow.js 4.22 as contenders: the plain-JS 'cpu' backend and the XNNPACK 'wasm' backend.
 * The wasm binaries load from node_modules (file:// URL), never from the network.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { fastest, gatherBatch, matmulShapes, permutation, rng, uniformF32, type CnnInit, type Contender, type MlpInit } from './common';

let wasmPathsSet = false;

/** Initialise both backends once; returns a line describing what loaded. */
export async function initTfjs(): Promise<string> {
  if (!wasmPathsSet) {
    setWasmPaths(pathToFileURL(resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')).href + '/');
    wasmPathsSet = true;
  }
  // Silence the "install tfjs-node" banner (tfjs-node is not a dependency here); the cpu backend
  // prints it on its first write.
  const log = console.log, warn = console.warn;
  console.log = console.warn = () => {};
  try {
    await tf.setBackend('wasm');
    await tf.ready();
    await tf.setBackend('cpu');
    await tf.ready();
    tf.tensor1d([0]).dispose();
  } finally {
    console.log = log;
    console.warn = warn;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const mt = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `tfjs ${tf.version.tfjs}: wasm backend simd=${simd} multithread=${mt}`;
}

function mlpVars(init: MlpInit): tf.Variable[] {
  const vs: tf.Variable[] = [];
  init.w.forEach((w, i) => {
    vs.push(tf.variable(tf.tensor2d(w, [init.sizes[i]!, init.sizes[i + 1]!])));
    vs.push(tf.variable(tf.tensor1d(init.b[i]!)));
  });
  return vs;
}

function mlpLoss(vs: tf.Variable[], x: tf.Tensor2D, yOneHot: tf.Tensor2D): tf.Scalar {
  let h: tf.Tensor2D = x;
  for (let i = 0; i < vs.length; i += 2) {
    h = tf.add(tf.matMul(h, vs[i] as tf.Tensor2D), vs[i + 1]!);
    if (i + 2 < vs.length) h = tf.relu(h);
  }
  return tf.losses.softmaxCrossEntropy(yOneHot, h) as tf.Scalar;
}

export function tfjsContender(backend: 'cpu' | 'wasm'): Contender {
  const activate = async () => {
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
  };
  return {
    name: `tfjs-${backend}`,
    activate,
    async matmul(spec, a, b) {
      await activate();
      const shapes = matmulShapes(spec);
      const ta = tf.tensor2d(a, shapes.a), tb = tf.tensor2d(b, shapes.b);
      const B = (): tf.Tensor2D => (spec.freshB ? tf.tensor2d(b, shapes.b) : tb);
      // tidy disposes the result and a fresh B; ta and tb were made outside and stay.
      const viaFlags = () => tf.tidy(() => void tf.matMul(ta, B(), spec.transA, spec.transB).dataSync());
      const viaTranspose = () => tf.tidy(() => {
        const x = spec.transA ? tf.transpose(ta) : ta, y = spec.transB ? tf.transpose(B()) : B();
        void tf.matMul(x, y).dataSync();
      });
      return spec.transA || spec.transB ? fastest([viaFlags, viaTranspose]) : viaFlags;
    },
    async mlpSteps(init, xs, ys, batch, steps) {
      await activate();
      const vs = mlpVars(init);
      const optimizer = tf.train.adam(1e-3);
      const x = tf.tensor2d(xs, [batch, 784]);
      const y = tf.oneHot(tf.tensor1d(ys, 'int32'), 10).toFloat() as tf.Tensor2D;
      return () => {
        let l: tf.Scalar | null = null;
        for (let i = 0; i < steps; i++) {
          l?.dispose();
          l = optimizer.minimize(() => mlpLoss(vs, x, y), true, vs);
        }
        l!.dataSync();
        l!.dispose();
      };
    },
    // TF.js has no whole-step compilation: its steps are eager already.
    mlpStepsEager(init, xs, ys, batch, steps) {
      return this.mlpSteps(init, xs, ys, batch, steps);
    },
    async smallAdds(calls) {
      await activate();
      const a = tf.tensor1d(uniformF32(64, 7)), b = tf.tensor1d(uniformF32(64, 8));
      return () => {
        let last: tf.Tensor | null = null;
        for (let i = 0; i < calls; i++) {
          last?.dispose();
          last = tf.add(a, b);
        }
        last!.dataSync();
        last!.dispose();
      };
    },
    async mnistEpoch(init, data, batch) {
      await activate();
      const vs = mlpVars(init);
      const optimizer = tf.train.adam(1e-3);
      const r = rng(1234);
      let last = NaN;
      return {
        run: () => {
          const idx = permutation(data.n, r);
          let l: tf.Scalar | null = null;
          for (let s = 0; s + batch <= data.n; s += batch) {
            const bt = gatherBatch(data, idx, s, batch);
            l?.dispose();
            l = tf.tidy(() => {
              const x = tf.tensor2d(bt.x, [batch, 784]);
              const y = tf.oneHot(tf.tensor1d(bt.y, 'int32'), 10).toFloat() as tf.Tensor2D;
              return optimizer.minimize(() => mlpLoss(vs, x, y), true, vs)!;
            });
          }
          last = l!.dataSync()[0]!;
          l!.dispose();
        },
        lastLoss: async () => last,
      };
    },
    async cnnGrad(init: CnnInit, xs, ys, batch) {
      await activate();
      // TF.js's CPU conv kernels take NHWC input and [kh, kw, in, out] filters.
      const x = tf.tidy(() => tf.tensor4d(xs, [batch, 1, 28, 28]).transpose([0, 2, 3, 1]));
      const y = tf.oneHot(tf.tensor1d(ys, 'int32'), 10).toFloat() as tf.Tensor2D;
      const w1 = tf.variable(tf.tidy(() => tf.tensor4d(init.w1, [8, 1, 3, 3]).transpose([2, 3, 1, 0]) as tf.Tensor4D));
      const w2 = tf.variable(tf.tidy(() => tf.tensor4d(init.w2, [16, 8, 3, 3]).transpose([2, 3, 1, 0]) as tf.Tensor4D));
      const w3 = tf.variable(tf.tensor2d(init.w3, [16, 10]));
      const b3 = tf.variable(tf.tensor1d(init.b3));
      const loss = (): tf.Scalar => {
        let h = tf.relu(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'));
        h = tf.maxPool(h, 2, 2, 'valid');
        h = tf.relu(tf.conv2d(h, w2 as tf.Tensor4D, 1, 'same'));
        const feat = tf.mean(h, [1, 2]) as tf.Tensor2D;
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(feat, w3), b3)) as tf.Scalar;
      };
      return () => {
        const { value, grads } = tf.variableGrads(loss, [w1, w2, w3, b3]);
        value.dataSync();
        for (const g of Object.values(grads)) {
          g.dataSync();
          g.dispose();
        }
        value.dispose();
      };
    },
  };
}

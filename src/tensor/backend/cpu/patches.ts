/**
 * Sliding windows (im2col) over NCHW images and their transpose (col2im). These sit on the conv
 * and pooling hot path, so instead of visiting each element through a callback, each output row
 * (fixed n, c, ky, kx, oy) is split once into [padding | valid pixels | padding] and copied with
 * a plain loop.
 */
import type { TypedArray } from '../../dtype';
import type { PatchesParams } from '../../primitives';
import type { Shape } from '../../shape';

interface Geometry {
  planes: number; h: number; w: number; kh: number; kw: number; oh: number; ow: number;
  sy: number; sx: number; dy: number; dx: number; top: number; left: number;
}

function geometry(imageShape: Shape, windowShape: Shape, p: PatchesParams): Geometry {
  const [n, c, h, w] = imageShape as [number, number, number, number];
  const [, , kh, kw, oh, ow] = windowShape as [number, number, number, number, number, number];
  return {
    planes: n * c, h, w, kh, kw, oh, ow, sy: p.stride[0], sx: p.stride[1], dy: p.dilation[0], dx: p.dilation[1],
    top: p.padding[0][0], left: p.padding[1][0],
  };
}

/** The output columns [x0, x1) whose source column x*sx + off lies inside [0, w). */
function validRange(off: number, sx: number, w: number, ow: number): [number, number] {
  const x0 = Math.min(ow, Math.max(0, Math.ceil(-off / sx)));
  const x1 = Math.max(x0, Math.min(ow, Math.ceil((w - off) / sx)));
  return [x0, x1];
}

/** out[n, c, ky, kx, oy, ox] = x[n, c, oy*sy + ky*dy - top, ox*sx + kx*dx - left], or padValue. */
export function patchesKernel(x: TypedArray, xShape: Shape, p: PatchesParams, outShape: Shape, out: TypedArray): void {
  const { planes, h, w, kh, kw, oh, ow, sy, sx, dy, dx, top, left } = geometry(xShape, outShape, p);
  const pad = p.padValue;
  let o = 0;
  for (let b = 0; b < planes; b++) {
    const plane = b * h * w;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const off = kx * dx - left;
        const [x0, x1] = validRange(off, sx, w, ow);
        for (let y = 0; y < oh; y++, o += ow) {
          const iy = y * sy + ky * dy - top;
          if (iy < 0 || iy >= h) {
            out.fill(pad, o, o + ow);
            continue;
          }
          const row = plane + iy * w + off;
          for (let ox = 0; ox < x0; ox++) out[o + ox] = pad;
          if (sx === 1) for (let ox = x0; ox < x1; ox++) out[o + ox] = x[row + ox]!;
          else for (let ox = x0, src = row + x0 * sx; ox < x1; ox++, src += sx) out[o + ox] = x[src]!;
          for (let ox = x1; ox < ow; ox++) out[o + ox] = pad;
        }
      }
    }
  }
}

/** The transpose: each window element is added back onto the pixel it was read from. */
export function patchesTransposeKernel(windows: TypedArray, windowShape: Shape, p: PatchesParams, imageShape: Shape, out: TypedArray): void {
  const { planes, h, w, kh, kw, oh, ow, sy, sx, dy, dx, top, left } = geometry(imageShape, windowShape, p);
  out.fill(0);
  let o = 0;
  for (let b = 0; b < planes; b++) {
    const plane = b * h * w;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const off = kx * dx - left;
        const [x0, x1] = validRange(off, sx, w, ow);
        for (let y = 0; y < oh; y++, o += ow) {
          const iy = y * sy + ky * dy - top;
          if (iy < 0 || iy >= h) continue;
          const row = plane + iy * w + off;
          for (let ox = x0, dst = row + x0 * sx; ox < x1; ox++, dst += sx) out[dst] += windows[o + ox]!;
        }
      }
    }
  }
}

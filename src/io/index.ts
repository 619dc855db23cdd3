/**
 * Checkpoints in the safetensors layout, so weights move between this library, PyTorch and
 * Hugging Face tools. Trees are stored under dotted key paths (`layers.0.weight`); every dtype of
 * the format reads (converted to float32/float64/int32/bool by documented rules), float tensors
 * can be written as float16 or bfloat16, the header is parsed strictly and decoded with io-ts,
 * and every failure is an `Either` Left naming the rule it breaks, never a throw.
 *
 * `serialize`/`deserialize`/`restore` are pure byte functions (browser-safe); `readCheckpoint`
 * reads a path, a Blob or bytes lazily; `save`/`load` use `node:fs`, imported only when called.
 * `torch` maps PyTorch state_dicts (names, buffers, packed projections) onto our trees and back.
 */
export { serialize, deserialize, readTensors, type Checkpoint, type SerializeOptions, type ReadOptions, type TensorInfo } from './bytes';
export { restore, fromCheckpoint, formatError, templateNames, type MismatchError, type RestoreError } from './restore';
export { decodeError, reportError, problem, HeaderEntry, Metadata, HeaderCodec, type DecodeError, type Header } from './header';
export { parseStrictJson, JsonFloat, maxHeaderDepth, type FileRule, type JsonError } from './json';
export { tensorName, badKey, metadataKey, stringLeavesKey, maxHeaderBytes, computeDType, writableAs, elementBytes, type FileDType } from './format';
export { readCheckpoint, type ReadError } from './source';
export { writeAtomic, removeStaleTemps, tempName } from './atomic';
export { save, load, saveWith, nodeSystem, saveCheckpoint, loadCheckpoint, type LoadError, type SaveSystem, type TrainingState } from './node';
export { fromStateDict, toStateDict, serializeStateDict, nestNames, combineMappings, multiheadAttention, type KeyMapping, type StateDict, type StateDictError, type FromStateDict } from './torch';

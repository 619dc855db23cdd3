#!/usr/bin/env bash
# Regenerate onnx_pb.ts (committed) from onnx.proto, ONNX's own schema (onnx/onnx.proto of ONNX
# 1.23, Apache-2.0, kept verbatim). Needs protoc (Debian: apt-get install protobuf-compiler); the
# code generator is fetched at its pinned version, matching the @bufbuild/protobuf runtime.
set -euo pipefail
cd "$(dirname "$0")"
plugin=$(npx --yes --package=@bufbuild/protoc-gen-es@2.17.0 -c 'command -v protoc-gen-es')
protoc --plugin=protoc-gen-es="$plugin" --es_out=. --es_opt=target=ts,import_extension=none onnx.proto

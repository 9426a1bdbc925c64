#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite: simulation, opponent,
# model worker with the real embedded model, translator, server with real
# WebSocket clients, and the page in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --dev
if [ ! -x /usr/bin/chromium ]; then
  echo "note: /usr/bin/chromium is missing; browser tests will be skipped (apt-get install chromium)" >&2
fi
# Lint and type checks first (configured in pyproject.toml): they keep the
# declared boundaries honest and cost seconds.
.venv/bin/ruff check server/
.venv/bin/mypy
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"

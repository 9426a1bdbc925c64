#!/usr/bin/env bash
# Set up (if needed) and start the game on http://localhost:${PORT:-7860}.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python app.py

"""Fetch the production GGUF at image build time (never at run time).

Usage: python scripts/download_model.py --repo Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF \
           --file qwen2.5-coder-1.5b-instruct-q4_0.gguf --dest /models
A local file can stand in for the hub (tests, offline builds): --from-file PATH.
Prints the final path; exits non-zero with a clear message if the file is not a GGUF.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

log = logging.getLogger("download_model")
GGUF_MAGIC = b"GGUF"


def fetch(repo: str, filename: str, dest: Path, from_file: Path | None = None) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / filename
    if from_file is not None:
        shutil.copyfile(from_file, target)
    else:
        from huggingface_hub import hf_hub_download  # only needed at image build time

        cached = hf_hub_download(repo_id=repo, filename=filename, local_dir=str(dest))
        target = Path(cached)
    with open(target, "rb") as fh:
        if fh.read(4) != GGUF_MAGIC:
            target.unlink(missing_ok=True)
            raise ValueError(f"{filename} is not a GGUF file")
    return target


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", default="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF")
    ap.add_argument("--file", default="qwen2.5-coder-1.5b-instruct-q4_0.gguf")
    ap.add_argument("--dest", default="/models")
    ap.add_argument("--from-file", type=Path, default=None)
    args = ap.parse_args(argv)
    try:
        path = fetch(args.repo, args.file, Path(args.dest), args.from_file)
    except Exception as exc:
        log.error("model download failed: %s", exc)
        return 1
    sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The deployment path as far as it can run here (no Docker engine): the
build-time model download step, and the facts the Space depends on."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "download_model.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def test_download_step_installs_a_gguf(tmp_path: Path) -> None:
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"GGUF" + b"\x03\x00\x00\x00" + b"\x00" * 64)
    dest = tmp_path / "models"
    done = run("--from-file", str(fake), "--dest", str(dest), "--file", "qwen.gguf")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == dest / "qwen.gguf"
    assert (dest / "qwen.gguf").read_bytes() == fake.read_bytes()


def test_download_step_rejects_what_is_not_a_gguf(tmp_path: Path) -> None:
    page = tmp_path / "error.html"
    page.write_text("<html>rate limited</html>")
    done = run("--from-file", str(page), "--dest", str(tmp_path / "models"), "--file", "qwen.gguf")
    assert done.returncode == 1
    assert "not a GGUF" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "models" / "qwen.gguf").exists()


def test_dockerfile_matches_the_space_contract() -> None:
    docker = (ROOT / "Dockerfile").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "useradd -m -u 1000" in docker and "USER user" in docker
    assert "EXPOSE 7860" in docker and "PORT=7860" in docker
    assert "HF_HUB_OFFLINE=1" in docker
    downloaded = re.search(r"--file (\S+)", docker).group(1)  # type: ignore[union-attr]
    assert f"MODEL_PATH=/models/{downloaded}" in docker
    assert "q4_0" in downloaded.lower()
    assert re.search(r"^sdk: docker$", readme, re.M) and re.search(r"^app_port: 7860$", readme, re.M)
    # Every runtime requirement is pinned, as the image installs them.
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert "==" in line, line


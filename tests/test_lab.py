"""``make lab`` / ``python -m kit lab``: JupyterLab at the kit's folder, as root too, never saving outputs
into the tracked notebooks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import REPO

from kit.app.lab import lab_arguments, strip_outputs_before_save


def _notebook_with_outputs() -> dict:
    return {
        "cells": [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# Step"},
            {
                "cell_type": "code",
                "id": "b",
                "metadata": {},
                "execution_count": 3,
                "source": "print(child_id)",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "ABCD2012\n"}],
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def test_a_tracked_notebook_is_saved_without_outputs_and_others_are_left_alone():
    tracked = {"type": "notebook", "content": _notebook_with_outputs()}
    strip_outputs_before_save(tracked, "notebooks/05_sufficiency_dashboard.ipynb")
    code = tracked["content"]["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None
    assert tracked["content"]["cells"][0]["source"] == "# Step"

    mine = {"type": "notebook", "content": _notebook_with_outputs()}
    strip_outputs_before_save(mine, "outputs/my-run.ipynb")
    assert mine["content"]["cells"][1]["outputs"], "a copy saved outside notebooks/ keeps its outputs"
    strip_outputs_before_save({"type": "file", "content": "text"}, "notebooks/notes.txt")  # no error


def test_lab_opens_at_the_kits_folder_with_the_start_notebook_and_the_save_hook():
    args = lab_arguments()
    assert f"--ServerApp.root_dir={REPO}" in args
    assert "--FileContentsManager.pre_save_hook=kit.app.lab.strip_outputs_before_save" in args
    assert args[-1] == str(REPO / "notebooks" / "00_start_here.ipynb")
    assert ("--allow-root" in args) == (os.geteuid() == 0)


def _get(url: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # localhost only
        text = response.read().decode() or "{}"
        return response.status, json.loads(text)


@pytest.mark.slow
def test_the_lab_command_serves_the_kits_folder_and_strips_outputs_on_save(tmp_path):
    runtime = tmp_path / "runtime"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(runtime)}
    port = 20000 + os.getpid() % 20000
    server = subprocess.Popen(
        [sys.executable, "-m", "kit", "lab", "--no-browser", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    name = f"zz-lab-test-{os.getpid()}.ipynb"
    saved = REPO / "notebooks" / name
    try:
        info = None
        for _ in range(120):
            if server.poll() is not None:
                pytest.fail(f"JupyterLab stopped (exit {server.returncode}): {server.stdout.read()[-2000:]}")
            found = sorted(Path(runtime).glob("jpserver-*.json"))
            if found:
                info = json.loads(found[0].read_text())
                break
            time.sleep(0.5)
        assert info, "JupyterLab did not start within a minute"
        base = f"http://127.0.0.1:{info['port']}/api/contents"
        token = f"?token={info['token']}"
        for _ in range(40):  # the runtime file appears just before the server answers
            try:
                status, listing = _get(f"{base}/guides{token}")
                break
            except OSError:
                time.sleep(0.5)
        assert status == 200 and listing["type"] == "directory", "guides/ is in Lab's file browser"
        assert any(item["name"] == "privacy.md" for item in listing["content"])
        status, _ = _get(
            f"{base}/notebooks/{name}{token}", "PUT",
            {"type": "notebook", "format": "json", "content": _notebook_with_outputs()},
        )  # fmt: skip
        assert status in (200, 201)
        on_disk = json.loads(saved.read_text(encoding="utf-8"))
        code = [c for c in on_disk["cells"] if c["cell_type"] == "code"]
        assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
        assert "ABCD2012" not in saved.read_text(encoding="utf-8")
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        saved.unlink(missing_ok=True)

"""Every notebook in notebooks/ runs top to bottom with the current interpreter's kernel and shows its figures."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from conftest import ROOT

nbformat = pytest.importorskip("nbformat", reason="notebook tooling is in the test extra: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="notebook tooling is in the test extra: pip install -e '.[test]'")

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "maturity-tests"
MIN_FIGURES = {"case-study.ipynb": 6, "sglg-synthetic.ipynb": 3}  # heat map and a chart per territory; heat map, stages, robustness


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kernelspec running ipykernel on this interpreter (the test venv), found through JUPYTER_PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "maturity tests", "language": "python",
    }))
    return root


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ has no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, kernel_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=120,
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, on the first failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if {"image/png", "image/svg+xml"} & set(o.get("data", {}))]
    assert len(images) >= MIN_FIGURES[path.name], f"{path.name} shows {len(images)} figures"
    texts = [str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs]
    assert not [t for t in texts if "<Figure size" in t], "a figure printed as text instead of rendering"
    # Tables are formatted (percentages, rounded scores), not raw floats such as 0.004 or 39.166667.
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert not re.search(r">\s*-?\d+\.\d{4,}\s*<", html), "a table shows an unrounded number"
    # Prose between the steps and a conclusion at the end.
    kinds = [c.cell_type for c in nb.cells]
    assert kinds.count("markdown") >= kinds.count("code") // 2
    assert "markdown" in kinds[-2:] and any(w in nb.cells[-1].source + nb.cells[-2].source for w in ("Reading", "read"))

"""The report folder: real PNG plots and the page that links them."""

from __future__ import annotations

import json
import re
import struct

import numpy as np
import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_size(path):
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def test_report_folder_has_real_plots_and_a_linked_page(report, tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    out = tmp_path / "rep"
    html_path = report.save(out)
    assert html_path == out / "index.html"
    for name in ("roc", "precision_recall", "reliability", "scores", "confusion"):
        png = out / f"{name}.png"
        assert png.is_file(), name
        assert 5_000 < png.stat().st_size < 500_000, (name, png.stat().st_size)
        assert _png_size(png) == (500, 400)
        pixels = imread(png)  # (400, 500, 4) floats in [0, 1]
        assert pixels.shape[:2] == (400, 500)
        rgb = pixels[..., :3].reshape(-1, 3)
        dark = (rgb.sum(axis=1) < 1.5).mean()  # axes, ticks, text, lines
        assert 0.005 < dark < 0.6, (name, dark)
        assert len(np.unique(np.round(rgb, 2), axis=0)) > 20, name  # drawn, not a flat image
    html = html_path.read_text(encoding="utf-8")
    links = re.findall(r"src='([^']+)'", html)
    assert sorted(links) == sorted(
        f"{n}.png" for n in ("roc", "precision_recall", "reliability", "scores", "confusion")
    )
    assert all((out / link).is_file() for link in links)
    assert html.count("class='err'") == 5
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert saved["macro_f1"] == pytest.approx(report.metrics["macro_f1"])

"""Shared fixtures: a private copy of the bundled materials for every test that edits content."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from campaign_kit.artifacts import Artifact

ROOT = Path(__file__).resolve().parent.parent
MATERIALS = ROOT / "materials"
STORES = "kits/lang-son/stores"
"""The default kit's store lists, inside materials/."""


@pytest.fixture
def materials(tmp_path: Path) -> Path:
    """A writable copy of materials/ (stores included)."""
    target = tmp_path / "materials"
    shutil.copytree(MATERIALS, target)
    return target


FEW_STORES = (
    "store_id,carrier,name,address,ward,district,province,phone,opening_hours\n"
    "VNPT-LS-00001,VNPT,Cửa hàng VNPT Hữu Lũng,Số 12 đường Xương Giang,Thị trấn Hữu Lũng,"
    "Huyện Hữu Lũng,Lạng Sơn,0205 3825 100,7:30–17:30\n"
    "VTP-LS-00002,Viettel Post,Bưu cục Viettel Post Đình Lập,Khu 2 thị trấn Đình Lập,"
    "Thị trấn Đình Lập,Huyện Đình Lập,Lạng Sơn,0912 345 678,7:00–21:00 hằng ngày\n")
"""Two stores of two carriers in two districts: what the stage tests build."""


def with_few_stores(materials: Path) -> Path:
    """`materials` (a copy) with the default kit's store lists replaced by `FEW_STORES`."""
    from campaign_kit.stores import FIELDS  # noqa: F401 - keeps the helper honest about columns

    for path in (materials / STORES).glob("*"):
        if path.suffix in (".csv", ".xlsx"):
            path.unlink()
    (materials / STORES / "few.csv").write_text(FEW_STORES, encoding="utf-8")
    return materials


@pytest.fixture
def small_materials(materials: Path) -> Path:
    """The bundled materials with only a handful of stores: fast builds for stage tests."""
    return with_few_stores(materials)


def problems(materials: Path) -> list[str]:
    """Every problem `load_project` finds in `materials`, as `check` prints them (it must find some)."""
    from campaign_kit.errors import ContentError
    from campaign_kit.materials import load_project

    with pytest.raises(ContentError) as info:
        load_project(materials)
    return [str(p) for p in info.value.problems]


def artifacts(meta: dict[str, dict[str, Any]]) -> dict[str, Artifact]:
    """Manifest-style entries (path -> {kind, lang, ...}) as the artifacts a stage hands on."""
    from campaign_kit.artifacts import Artifact

    return {rel: Artifact.from_entry({"path": rel, **m}) for rel, m in meta.items()}


def build_bundled_stage(base: Path, stage: str) -> Path:
    """A copy of the bundled materials under `base`, built with only `stage` into `base/out`."""
    from campaign_kit.pipeline import Options, build

    shutil.copytree(MATERIALS, base / "materials")
    build(base / "materials", base / "out", Options(only=(stage,)))
    return base

"""Stage 'changes' (not built yet)."""

from __future__ import annotations

from ..pipeline import BuildContext


def run(ctx: BuildContext) -> None:
    """Placeholder until this stage lands."""

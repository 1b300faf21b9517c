from __future__ import annotations

from tests.acceptance.conftest import system

__all__ = ["system"]

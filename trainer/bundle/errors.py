from __future__ import annotations


class BundleError(Exception):
    """A bundle is wrong in one specific way; `code` matches packages/bundle/src/errors.ts."""

    def __init__(self, code: str, message: str, file: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.file = file

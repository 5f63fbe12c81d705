"""The stylesheets, scripts and images, served so that no requested path can make a 500.

A path can name no file for reasons other than "no such file": it holds a NUL, a name is
longer than the file system allows, or a file stands where a folder should. Litestar answers
the first with a ValueError and the others with a 500; to a browser all of them are a 404.
"""

from __future__ import annotations

import errno
from typing import Any

from litestar.file_system import BaseLocalFileSystem
from litestar.router import Router
from litestar.static_files import create_static_files_router
from litestar.types import PathType
from litestar.types.file_types import FileInfo

from concord.web.access import Access, access

NAMES_NO_FILE = frozenset({errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EINVAL})


class StaticFileSystem(BaseLocalFileSystem):
    """The local file system, for which a path that cannot name a file is one not found."""

    async def info(self, path: PathType, **kwargs: Any) -> FileInfo:
        try:
            return await super().info(path, **kwargs)
        except ValueError as exc:
            raise FileNotFoundError(errno.ENOENT, "no such file") from exc
        except FileNotFoundError:
            raise
        except OSError as exc:
            if exc.errno in NAMES_NO_FILE:
                raise FileNotFoundError(errno.ENOENT, "no such file") from exc
            raise


def static_files(path: str, directory: PathType, *, name: str) -> Router:
    """A public router serving ``directory`` under ``path`` (GET and HEAD)."""
    return create_static_files_router(
        path,
        directories=[directory],
        file_system=StaticFileSystem(),
        opt=access(Access.PUBLIC),
        name=name,
    )

"""What the command line needs before it knows which command runs: lazy handlers.

``oss-router --help`` and light commands (``token issue``) must not pay for importing the whole
application (FastAPI, SQLAlchemy, aio-pika: seconds of CPU). A parser names each handler as
``"module:function"``; the module is imported only when that command runs.
"""

import argparse
import importlib
from collections.abc import Callable
from typing import cast

Handler = Callable[[argparse.Namespace], int]


class LazyHandler:
    """A command's handler, imported on first call."""

    def __init__(self, target: str) -> None:
        self.module, _, self.function = target.partition(":")
        self.__name__ = self.function

    def __call__(self, args: argparse.Namespace) -> int:
        handler = cast(Handler, getattr(importlib.import_module(self.module), self.function))
        return handler(args)

    def __repr__(self) -> str:
        return f"LazyHandler({self.module}:{self.function})"


def lazy(target: str) -> LazyHandler:
    return LazyHandler(target)

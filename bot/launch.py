"""The `partnerbot` console script and `python -m bot`.

A one-question run (`partnerbot ask`) is mostly start-up, so two costs that buy it nothing are
skipped: the collector's passes over a heap that only grows while SQLAlchemy, the models and the
classifier load (`bot.cli.run` switches it back on for every other command), and, once the answer
is printed, the interpreter's teardown of every module. This module imports nothing heavy so that
the collector is off before the rest loads.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading


def main() -> None:
    gc.disable()
    from bot.cli import is_short_lived, parse, run

    args = parse()
    code = run(args)
    if not is_short_lived(args) or threading.active_count() > 1:
        sys.exit(code)  # exit handlers may have work to finish (a worker process, a thread)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass  # the reader left (`partnerbot ask ... | head`); not an error
        except OSError as exc:  # a full disk: say so, and fail as the interpreter's own exit would
            os.write(2, f"partnerbot: the answer could not be written: {exc.strerror}\n".encode())
            code = code or 120
    os._exit(code)

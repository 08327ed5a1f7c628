"""What escapes a command, as one line: environment failures and bugs.

Every failure shelfpress expects is a `ShelfpressError` raised where it is
understood. Two kinds are not: the machine refusing a file operation (disk
full, read-only or permission denied, a path too long, a name the file
system refuses), which can surface from any write, and bugs. The CLI turns
the first into `EnvironmentFailure` (exit 1, the path and the fix) and the
second into one "internal error" line (exit 70, EX_SOFTWARE), the traceback
shown only with `--debug`. Builds and deploys stage their output and swap it
in last, so either leaves the previous site as it was.

Must not catch anything itself: callers decide where the boundary is.
"""

from __future__ import annotations

import errno
import sqlite3

from generator.core.errors import ShelfpressError

INTERNAL_ERROR = 70  # EX_SOFTWARE (sysexits.h): the program, not the input, is wrong

# errno -> (what happened, what to do). A failed run leaves the previous site as it was, so the fix is
# always "change this, then run again".
_ENVIRONMENT: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the device", "free some space on that disk, then run again"),
    errno.EROFS: ("the file system is read-only",
                  "write somewhere writable (output_dir in shelfpress.toml, or -o), or remount it read-write"),
    errno.EACCES: ("permission denied",
                   "make it writable for this user (chmod/chown) or choose another folder (output_dir, or -o)"),
    errno.EPERM: ("operation not permitted",
                  "make it writable for this user (chmod/chown, chattr -i) or choose another folder"),
    errno.ENAMETOOLONG: ("the path is too long for the file system",
                         "shorten the slug or file name (or the folder names above it)"),
    errno.EINVAL: ("the file system refuses this name",
                   "rename it using letters, digits, '-' and '_' (or set a plain slug)"),
    errno.EILSEQ: ("the file system refuses this name (its characters cannot be encoded there)",
                   "rename it using letters, digits, '-' and '_' (or set a plain slug)"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n), then run again"),
    errno.ENFILE: ("too many open files on the system", "close other programs or raise the limit, then run again"),
    errno.EIO: ("input/output error", "check the disk (dmesg, fsck), then run again"),
}
if hasattr(errno, "EDQUOT"):  # not on Windows
    _ENVIRONMENT[errno.EDQUOT] = ("disk quota exceeded", "free some space within your quota, then run again")


class EnvironmentFailure(ShelfpressError):
    """The machine refused a file operation: one line naming the path, the reason and the fix."""

    def __init__(self, error: OSError, reason: str, fix: str) -> None:
        self.error = error
        where = _paths(error)
        super().__init__(f"{where + ': ' if where else ''}{reason}; {fix}")


def _paths(error: OSError) -> str:
    names = [str(name) for name in (error.filename, error.filename2) if name not in (None, "")]
    return " -> ".join(_printable(name) for name in names)


def _printable(text: str) -> str:
    """One line, whatever the text holds: control characters (a NUL, a newline in a name) are shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


# SQLite's own codes for the same failures (its errors name no file: the message says which kind it is).
_SQLITE = {"SQLITE_FULL": errno.ENOSPC, "SQLITE_READONLY": errno.EROFS, "SQLITE_IOERR": errno.EIO}


def environment_failure(error: BaseException) -> EnvironmentFailure | None:
    """The one-line error for an OSError the machine raised, or None when `error` is not one (or has an
    errno nobody can fix from outside, such as a missing file: that is a bug or a race)."""
    if isinstance(error, sqlite3.Error):
        name = str(getattr(error, "sqlite_errorname", ""))  # or an extended one: SQLITE_IOERR_WRITE
        code = next((code for base, code in _SQLITE.items() if name == base or name.startswith(base + "_")), None)
        if code is None:
            return None
        return EnvironmentFailure(OSError(code, str(error), "a shelfpress database (SQLite)"), *_ENVIRONMENT[code])
    if not isinstance(error, OSError) or error.errno not in _ENVIRONMENT:
        return None
    if error.errno == errno.EINVAL and error.filename is None:
        return None  # an invalid argument with no path is a bug, not a name the file system refuses
    return EnvironmentFailure(error, *_ENVIRONMENT[error.errno])


def internal_error_line(error: BaseException) -> str:
    """"internal error: <type>: <message> (a bug; ...)" on one line, however long or multi-line the message,
    with credentials written into a URL masked."""
    from generator.core.net.redact import mask_url_credentials

    message = " ".join(_printable(part) for part in str(error).split())
    message = mask_url_credentials(message)
    if len(message) > 500:
        message = message[:500] + "..."
    kind = type(error).__qualname__
    return f"internal error: {kind}{': ' + message if message else ''} (a bug; run again with --debug for the traceback)"


def one_line(error: BaseException) -> str:
    """Any exception as the one line a user sees: its own message, the environment's, or an internal error."""
    if isinstance(error, ShelfpressError):
        return error.format_message()
    failure = environment_failure(error)
    if failure is not None:
        return failure.format_message()
    return internal_error_line(error)

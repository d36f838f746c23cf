"""SHA-256 for provenance and the command's cache keys, without loading OpenSSL at every start.

`hashlib` loads OpenSSL's library when it is imported (a few milliseconds, a tenth of a command's own
start); CPython carries its own SHA-256 as well, which gives the same digests. It is a private module
(`_sha256` up to Python 3.11, `_sha2` from 3.12), so hashlib's is taken whenever neither is there.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is imported by the type checker only (mypy takes the name as true)

if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:
        from _sha256 import sha256
    except ImportError:  # Python 3.12 and later
        try:
            from _sha2 import sha256
        except ImportError:
            from hashlib import sha256

__all__ = ["sha256"]

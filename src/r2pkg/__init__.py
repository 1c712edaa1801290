"""r2pkg: a knowledge graph of the Responsibility to Protect, with pinpoint provenance."""

from r2pkg.errors import InputError, QueryError, QueryTimeout, R2pkgError, UnknownNodeError
from r2pkg.namespaces import R2P, R2PID
from r2pkg.store import Store, open_store

__version__ = "0.1.0"

__all__ = [
    "R2P",
    "R2PID",
    "InputError",
    "QueryError",
    "QueryTimeout",
    "R2pkgError",
    "Store",
    "UnknownNodeError",
    "__version__",
    "open_store",
]

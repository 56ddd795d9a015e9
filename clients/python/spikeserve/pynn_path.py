"""Makes `import pyNN.spikeserve` work without touching Debian's pyNN package.

Debian's pyNN/__init__.py does not extend its own __path__, so the backend's
directory (clients/python/pynn_backend) must be added to it. The .pth file
written by tools/install_python_client.sh imports this module while the
interpreter starts, before Debian's dist-packages is even on sys.path; so
instead of importing pyNN now, a finder adds the directory to pyNN's search
path whenever pyNN gets imported.
"""

import importlib.abc
import os
import sys

BACKEND_DIRECTORY = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pynn_backend")


class _PyNNPathExtender(importlib.abc.MetaPathFinder):
    """Finds pyNN with the other finders, then appends the backend directory."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "pyNN":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.submodule_search_locations is not None:
                    spec.submodule_search_locations.append(BACKEND_DIRECTORY)
                return spec
        return None


if "pyNN" in sys.modules:
    if BACKEND_DIRECTORY not in sys.modules["pyNN"].__path__:
        sys.modules["pyNN"].__path__.append(BACKEND_DIRECTORY)
elif not any(isinstance(finder, _PyNNPathExtender) for finder in sys.meta_path):
    sys.meta_path.insert(0, _PyNNPathExtender())

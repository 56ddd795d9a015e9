"""nose.tools' snake_case assertions, taken from unittest.TestCase."""

import re
import unittest

_case = unittest.TestCase()
_case.maxDiff = None

for _name in dir(_case):
    if _name.startswith("assert") and "_" not in _name:
        globals()[re.sub(r"([A-Z])", r"_\1", _name).lower()] = getattr(_case, _name)

del _name

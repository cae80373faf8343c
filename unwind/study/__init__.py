"""The research design and its one verdict engine.

- :mod:`.registry` reads ``study/*.yaml``: every hypothesis with its quote, estimand, data, sample, sign,
  targets and tolerances, named rule, family and whether the rule was written before a first look.
- :mod:`.estimate` is the one result type chapters return (:class:`Estimate`).
- :mod:`.rules` holds the named rules; :mod:`.engine` applies them and the book-wide BH family.
"""

from .engine import decide, label
from .estimate import Estimate
from .registry import Hypothesis, RegistryError, book, load
from .rules import WORDS

__all__ = ["Estimate", "Hypothesis", "RegistryError", "WORDS", "book", "decide", "label", "load"]

"""Fakes that ship with newsbot, so users can test their own configs and templates.

- :mod:`newsbot.testing.sites`: ``FakeSite``, a local e-paper / feed / page-text site on
  127.0.0.1 that publishes issues over (simulated) time and misbehaves on demand.
- :mod:`newsbot.testing.platforms`: local receivers that behave like each chat platform
  (signatures checked, sizes enforced, 429s and throttling codes on demand).
"""

from __future__ import annotations

"""The pushplus channel: the shared contract table, plus what is particular to pushplus."""

from __future__ import annotations

from channel_harness import contract_tests

test_contract = contract_tests("pushplus")

"""The telegram channel: the shared contract table, plus what is particular to telegram."""

from __future__ import annotations

from channel_harness import contract_tests

test_contract = contract_tests("telegram")

"""The webhook channel: the shared contract table, plus what is particular to webhook."""

from __future__ import annotations

from channel_harness import contract_tests

test_contract = contract_tests("webhook")

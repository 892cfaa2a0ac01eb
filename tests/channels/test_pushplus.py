"""The pushplus channel: the shared contract table, plus what is particular to pushplus."""

from __future__ import annotations

import pytest
from channel_harness import alert, contract_tests, send

from newsbot.channels import build_channel
from newsbot.errors import PermanentDeliveryError, TransientDeliveryError
from newsbot.testing.platforms import FakePlatforms

test_contract = contract_tests("pushplus")


def test_code_999_for_a_bad_token_is_permanent(fake: FakePlatforms) -> None:
    """PushPlus answers 999 ("服务端验证错误") to an invalid token: refused for good, not
    retried as a server error (its code list: 500 is the one to retry)."""
    channel = build_channel(fake.options("pushplus", token="not-the-token"))
    with pytest.raises(PermanentDeliveryError, match="999"):
        send(channel, alert("pushplus"))


def test_code_500_and_900_are_retried_later(fake: FakePlatforms) -> None:
    """500 ("系统异常，请稍后再试") is retried soon; 900 (restricted for sending too often)
    only after a long wait, since the restriction lasts the day."""
    channel = build_channel(fake.options("pushplus"))
    fake.script("pushplus", "error", "throttle")
    with pytest.raises(TransientDeliveryError) as server_error:
        send(channel, alert("pushplus"))
    with pytest.raises(TransientDeliveryError) as restricted:
        send(channel, alert("pushplus"))
    assert "500" in str(server_error.value)
    assert restricted.value.retry_after_s is not None
    assert restricted.value.retry_after_s >= 3600

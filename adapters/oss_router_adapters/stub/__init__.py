"""Machinery shared by every stub adapter; a channel package only adds its answer's shape."""

from oss_router_adapters.stub.adapter import StubAdapter
from oss_router_adapters.stub.answer import AnswerContext
from oss_router_adapters.stub.profile import ChannelProfile
from oss_router_adapters.stub.settings import StubSettings

__all__ = ["AnswerContext", "ChannelProfile", "StubAdapter", "StubSettings"]

"""kafka-python's reader with the read fix: bytes that arrive with the close still count.

A real socket pair and kafka-python's own event loop; only the connection on top of the
transport is a stand-in, recording what the transport tells it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import kafka.errors as errors
import pytest
from kafka.future import Future
from kafka.net.selector import NetworkSelector
from kafka.net.transport import KafkaTCPTransport

from streams.kafka import read_fix
from streams.kafka.security import PLAINTEXT, kafka_python_kwargs


class _Connection:
    """What KafkaConnection does with a transport, reduced to a record of the calls."""

    _sensors = None

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.response: Future = Future()

    def data_received(self, data: bytes) -> None:
        self.events.append(("data", data))
        if not self.response.is_done:
            self.response.success(data)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.events.append(("lost", exc))


@pytest.fixture
def net() -> Iterator[NetworkSelector]:
    assert read_fix.install()
    selector = NetworkSelector()
    yield selector
    selector.close()


def _run_until_lost(net: NetworkSelector, connection: _Connection) -> None:
    for _ in range(200):
        if any(kind == "lost" for kind, _ in connection.events):
            return
        net.poll(timeout_ms=20)
    raise AssertionError(f"the transport never reported the connection lost: {connection.events}")


def _transport_after(net: NetworkSelector, payload: bytes) -> tuple[KafkaTCPTransport, _Connection]:
    """A transport whose peer sent ``payload`` and closed before the first read: the bytes
    and the close are both waiting, as with a broker that refuses and hangs up at once."""
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    if payload:
        theirs.sendall(payload)
    theirs.close()
    transport = KafkaTCPTransport(net, ours)
    connection = _Connection()
    transport.set_protocol(connection)
    return transport, connection


def test_bytes_sent_just_before_the_close_reach_the_connection(net: NetworkSelector) -> None:
    transport, connection = _transport_after(net, b"last response")
    transport.resume_reading()
    _run_until_lost(net, connection)
    assert connection.events[0] == ("data", b"last response")
    assert isinstance(connection.events[-1][1], errors.KafkaConnectionError)


def test_the_error_read_from_those_bytes_is_reported_not_the_disconnect(
    net: NetworkSelector,
) -> None:
    """The broker's SASL refusal: the task reading the response closes with its error."""
    transport, connection = _transport_after(net, b"SaslAuthenticate: invalid credentials")

    async def sasl_exchange() -> None:
        await connection.response
        transport.abort(error=errors.SaslAuthenticationFailedError("invalid credentials"))

    net.call_soon(sasl_exchange)
    transport.resume_reading()
    _run_until_lost(net, connection)
    lost = [exc for kind, exc in connection.events if kind == "lost"]
    assert len(lost) == 1
    assert isinstance(lost[0], errors.SaslAuthenticationFailedError)


def test_a_close_without_bytes_is_still_a_disconnect(net: NetworkSelector) -> None:
    transport, connection = _transport_after(net, b"")
    transport.resume_reading()
    _run_until_lost(net, connection)
    assert [kind for kind, _ in connection.events] == ["lost"]
    assert "socket disconnected" in str(connection.events[0][1])


def test_every_client_built_from_the_settings_gets_the_fix() -> None:
    kafka_python_kwargs(PLAINTEXT)
    assert KafkaTCPTransport._read_from_sock is read_fix._read_delivering_last_bytes

"""Deliver the bytes kafka-python read before the broker closed, so a refusal is seen.

kafka-python 3's transport reads a socket until it would block; when the last bytes and
the broker's close arrive together it aborts with "socket disconnected" and drops those
bytes. A broker refusing SASL credentials sends its error and closes at once, so under
load the client often saw only the disconnect, retried until its timeout and reported
"not reachable" instead of "invalid credentials". The replacement reader hands the bytes
to the connection first and lets the tasks they wake (the SASL exchange, which closes the
connection with the broker's error) run before it reports the disconnect.
"""

from __future__ import annotations

import time
from typing import Any

_INSTALLED = False


async def _read_delivering_last_bytes(self: Any) -> None:
    """KafkaTCPTransport._read_from_sock, with received bytes delivered before an EOF."""
    import kafka.errors as errors

    while self._read and not self._closed:
        await self._net.wait_read(self._sock)
        data, err = self._sock_recv()
        if data:
            self.last_read = time.monotonic()
            protocol = self._protocol
            if protocol is not None:
                if protocol._sensors:
                    protocol._sensors.bytes_received.record(len(data))
                try:
                    protocol.data_received(data)
                except errors.KafkaProtocolError as exc:
                    self.abort(error=exc)
                    return
        if err:
            if data:
                # One turn of the loop: the responses just delivered resolve futures whose
                # tasks are already queued; they close the connection with the real error.
                await self._net.sleep(0)
            self.abort(error=err)  # a no-op when that already closed the transport
            return


def install() -> bool:
    """Patch kafka-python's TCP/TLS transport once; False when its layout is not the known one."""
    global _INSTALLED
    if _INSTALLED:
        return True
    try:
        from kafka.net import transport
        from kafka.version import __version__
    except ImportError:  # kafka-python 2.x has no kafka.net: a different reader, untouched
        return False
    cls = transport.KafkaTCPTransport
    if not __version__.startswith("3.") or not all(
        hasattr(cls, name) for name in ("_read_from_sock", "_sock_recv", "abort")
    ):
        return False
    cls._read_from_sock = _read_delivering_last_bytes
    _INSTALLED = True
    return True

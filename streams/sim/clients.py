"""Client software: SDK user agents with versions, and the TLS (JA4-like) fingerprints
their runtimes produce.

The fingerprint depends on the TLS stack (runtime, its version, the OS), not on the user
agent string, exactly as in the wild: ``python-requests`` and the Python SDK on the same
interpreter share a fingerprint, and rewriting the user agent does not change it.
"""

from __future__ import annotations

import hashlib
import random
from functools import lru_cache
from typing import Final, NamedTuple

__all__ = ["FAMILIES", "Client", "ja4", "make_client", "pick_family"]


class Client(NamedTuple):
    user_agent: str
    tls_fingerprint: str


def _pick(rng: random.Random, options: tuple[str, ...]) -> str:
    """Later entries are newer releases and more common: a triangular preference."""
    n = len(options)
    return options[min(n - 1, int(n * rng.random() ** 0.6))]


_PY_SDK: Final = tuple(f"0.{m}.{p}" for m in range(33, 43) for p in (0, 1, 2))
_JS_SDK: Final = tuple(f"0.{m}.{p}" for m in range(26, 33) for p in (0, 1))
_GO_SDK: Final = ("0.6.1", "0.7.0", "0.8.2", "0.9.0", "0.9.2")
_PYTHON: Final = ("3.9.18", "3.10.14", "3.11.9", "3.11.10", "3.12.4", "3.12.7", "3.13.0")
_NODE: Final = ("18.20.4", "20.11.1", "20.18.0", "22.9.0", "22.11.0")
_GO: Final = ("1.21.13", "1.22.8", "1.23.2", "1.23.3")
_OPENSSL: Final = ("1.1.1w", "3.0.13", "3.0.15", "3.3.2")
_OS: Final = ("Linux", "Linux", "Linux", "Darwin", "Windows")
_REQUESTS: Final = ("2.28.2", "2.31.0", "2.32.2", "2.32.3")
_HTTPX: Final = ("0.25.2", "0.26.0", "0.27.0", "0.27.2")
_AIOHTTP: Final = ("3.9.5", "3.10.5", "3.10.10", "3.11.2")
_CURL: Final = ("7.81.0", "7.88.1", "8.5.0", "8.7.1", "8.10.1")
_AXIOS: Final = ("1.6.8", "1.7.2", "1.7.7")
_LANGCHAIN: Final = ("0.2.4", "0.2.9", "0.3.1", "0.3.3")
_JAVA: Final = ("11.0.24", "17.0.12", "21.0.4")


@lru_cache(maxsize=1024)
def ja4(stack: str, alpn: str = "h2") -> str:
    """A JA4-shaped fingerprint for a TLS stack: ``t13d<ciphers><exts><alpn>_<b>_<c>``."""
    digest = hashlib.sha256(stack.encode()).hexdigest()
    ciphers = 8 + int(digest[0], 16) % 12
    extensions = 9 + int(digest[1], 16) % 8
    other = hashlib.sha256((stack + "/ext").encode()).hexdigest()
    return f"t13d{ciphers:02d}{extensions:02d}{alpn}_{digest[2:14]}_{other[:12]}"


def _python(rng: random.Random) -> tuple[str, str]:
    py = _pick(rng, _PYTHON)
    stack = f"cpython{py[:4]}-openssl{rng.choice(_OPENSSL)}-{rng.choice(_OS)}"
    return py, stack


def make_client(rng: random.Random, family: str) -> Client:
    """A concrete client (user agent and fingerprint) of one software family."""
    if family in ("py_sdk", "requests", "httpx", "aiohttp", "langchain"):
        py, stack = _python(rng)
        sdk = _pick(rng, _PY_SDK)
        ua = {
            "py_sdk": f"Frontier/Python {sdk}",
            "requests": f"python-requests/{_pick(rng, _REQUESTS)}",
            "httpx": f"python-httpx/{_pick(rng, _HTTPX)}",
            "aiohttp": f"Python/{py[:4].rstrip('.')} aiohttp/{_pick(rng, _AIOHTTP)}",
            "langchain": f"langchain-frontier/{_pick(rng, _LANGCHAIN)} Frontier/Python {sdk}",
        }[family]
        return Client(ua, ja4(stack, "h1" if family in ("requests", "py_sdk") else "h2"))
    if family in ("js_sdk", "axios", "postman"):
        node = _pick(rng, _NODE)
        ua = {
            "js_sdk": f"Frontier/JS {_pick(rng, _JS_SDK)}",
            "axios": f"axios/{_pick(rng, _AXIOS)}",
            "postman": f"PostmanRuntime/7.{rng.randrange(36, 43)}.{rng.randrange(0, 3)}",
        }[family]
        return Client(ua, ja4(f"node{node.split('.')[0]}-{rng.choice(_OS)}"))
    if family in ("go_sdk", "go_http"):
        go = _pick(rng, _GO)
        ua = f"frontier-go/{_pick(rng, _GO_SDK)}" if family == "go_sdk" else "Go-http-client/2.0"
        return Client(ua, ja4(f"go{go[:4]}"))
    if family == "curl":
        version = _pick(rng, _CURL)
        return Client(f"curl/{version}", ja4(f"curl{version[0]}-openssl", "h2"))
    if family == "java":
        java = _pick(rng, _JAVA)
        return Client(f"Java-http-client/{java}", ja4(f"jdk{java.split('.')[0]}"))
    raise ValueError(f"unknown client family {family!r}")


FAMILIES: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "developer": (
        ("py_sdk", 34),
        ("js_sdk", 18),
        ("requests", 10),
        ("httpx", 6),
        ("langchain", 8),
        ("curl", 5),
        ("postman", 3),
        ("axios", 5),
        ("go_sdk", 4),
        ("java", 3),
        ("aiohttp", 4),
    ),
    "server": (("py_sdk", 40), ("js_sdk", 30), ("go_sdk", 12), ("java", 8), ("langchain", 10)),
    "script": (("requests", 30), ("httpx", 25), ("aiohttp", 25), ("py_sdk", 20)),
}


def pick_family(rng: random.Random, profile: str) -> str:
    options = FAMILIES[profile]
    r = rng.random() * sum(w for _, w in options)
    for family, w in options:
        r -= w
        if r < 0:
            return family
    return options[-1][0]

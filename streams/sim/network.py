"""Where calls come from: autonomous systems, their address blocks and their countries.

The ASN numbers and owners are the real ones (so analysts reading a sample recognise a
hosting provider from a home ISP); the address blocks are synthetic but fixed (derived
from the ASN, independent of the seed) and disjoint, so an IP always maps to one ASN.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final, NamedTuple

__all__ = [
    "ASNS",
    "DEVELOPER_COUNTRIES",
    "Asn",
    "Net",
    "by_kind",
    "by_number",
    "net_in",
    "pick_country",
    "residential_asn",
]


class Net(NamedTuple):
    """One client address as the gateway sees it."""

    ip: str
    asn: int
    country: str


@dataclass(frozen=True, slots=True)
class Asn:
    """An autonomous system: ``kind`` is residential, mobile, cloud, hosting, vpn, edu or
    corporate; ``v6`` the first two hextets of its IPv6 block, if it has one."""

    number: int
    name: str
    country: str
    kind: str
    v6: str | None
    v4: tuple[tuple[int, int], ...]


_TABLE: Final[tuple[tuple[int, str, str, str, str | None], ...]] = (
    # residential and mobile
    (7922, "Comcast", "US", "residential", "2601:1c0"),
    (20115, "Charter", "US", "residential", "2600:6c40"),
    (7018, "AT&T", "US", "residential", "2600:1700"),
    (701, "Verizon Fios", "US", "residential", None),
    (22773, "Cox", "US", "residential", "2600:8800"),
    (209, "Lumen", "US", "residential", None),
    (21928, "T-Mobile US", "US", "mobile", "2607:fb90"),
    (6167, "Verizon Wireless", "US", "mobile", "2600:1010"),
    (812, "Rogers", "CA", "residential", "2607:fea8"),
    (577, "Bell Canada", "CA", "residential", None),
    (6327, "Shaw", "CA", "residential", None),
    (2856, "BT", "GB", "residential", "2a00:23c5"),
    (5089, "Virgin Media", "GB", "residential", None),
    (5607, "Sky UK", "GB", "residential", "2a02:c7c"),
    (12576, "EE", "GB", "mobile", None),
    (3320, "Deutsche Telekom", "DE", "residential", "2003:e4"),
    (3209, "Vodafone DE", "DE", "residential", "2a02:8108"),
    (6805, "Telefonica DE", "DE", "mobile", None),
    (8881, "1&1 Versatel", "DE", "residential", None),
    (3215, "Orange FR", "FR", "residential", "2a01:cb00"),
    (12322, "Free", "FR", "residential", "2a01:e0a"),
    (5410, "Bouygues", "FR", "residential", None),
    (3352, "Telefonica ES", "ES", "residential", None),
    (12479, "Orange ES", "ES", "residential", None),
    (3269, "TIM", "IT", "residential", None),
    (30722, "Vodafone IT", "IT", "mobile", None),
    (1136, "KPN", "NL", "residential", "2a02:a440"),
    (33915, "VodafoneZiggo", "NL", "residential", None),
    (5617, "Orange Polska", "PL", "residential", None),
    (3301, "Telia", "SE", "residential", None),
    (3303, "Swisscom", "CH", "residential", "2a02:1210"),
    (8447, "A1 Telekom", "AT", "residential", None),
    (5432, "Proximus", "BE", "residential", None),
    (5466, "Eir", "IE", "residential", None),
    (3243, "MEO", "PT", "residential", None),
    (18881, "Vivo", "BR", "residential", "2804:14c"),
    (28573, "Claro BR", "BR", "residential", None),
    (8151, "Telmex", "MX", "residential", None),
    (7303, "Telecom Argentina", "AR", "residential", None),
    (3816, "Colombia Telecom", "CO", "residential", None),
    (7418, "Telefonica Chile", "CL", "residential", None),
    (55836, "Reliance Jio", "IN", "mobile", "2409:40c0"),
    (24560, "Airtel Broadband", "IN", "residential", None),
    (4713, "NTT OCN", "JP", "residential", "240b:10"),
    (2516, "KDDI", "JP", "residential", None),
    (17676, "SoftBank", "JP", "residential", None),
    (4766, "Korea Telecom", "KR", "residential", None),
    (9318, "SK Broadband", "KR", "residential", None),
    (3462, "HiNet", "TW", "residential", None),
    (4760, "HKT", "HK", "residential", None),
    (9506, "Singtel", "SG", "residential", None),
    (1221, "Telstra", "AU", "residential", "2001:8003"),
    (7545, "TPG", "AU", "residential", None),
    (9500, "One NZ", "NZ", "residential", None),
    (7713, "Telkom Indonesia", "ID", "residential", None),
    (7552, "Viettel", "VN", "mobile", None),
    (9121, "Turk Telekom", "TR", "residential", None),
    (29465, "MTN Nigeria", "NG", "mobile", None),
    (33771, "Safaricom", "KE", "mobile", None),
    (37457, "Telkom SA", "ZA", "residential", None),
    (8551, "Bezeq International", "IL", "residential", None),
    (5384, "Etisalat", "AE", "residential", None),
    (15895, "Kyivstar", "UA", "mobile", None),
    (9299, "PLDT", "PH", "residential", None),
    # cloud and hosting
    (16509, "Amazon", "US", "cloud", "2600:1f18"),
    (14618, "Amazon AES", "US", "cloud", None),
    (396982, "Google Cloud", "US", "cloud", "2600:1900"),
    (8075, "Microsoft", "US", "cloud", None),
    (31898, "Oracle Cloud", "US", "cloud", None),
    (14061, "DigitalOcean", "US", "hosting", "2604:a880"),
    (16276, "OVH", "FR", "hosting", "2001:41d0"),
    (24940, "Hetzner", "DE", "hosting", "2a01:4f8"),
    (63949, "Akamai Linode", "US", "hosting", None),
    (20473, "Vultr", "US", "hosting", None),
    (51167, "Contabo", "DE", "hosting", None),
    (9009, "M247", "GB", "vpn", None),
    (212238, "Datacamp", "GB", "vpn", None),
    # institutions
    (3, "MIT", "US", "edu", None),
    (62044, "Zscaler", "US", "corporate", None),
    (10310, "Acme Corp", "US", "corporate", None),
)

# First octets that look like public unicast space (no 0, 10, 100, 127, 169, 172, 192, 224+).
_OCTETS: Final = tuple(o for o in range(11, 223) if o not in (100, 127, 169, 172, 192, 198, 203))


def _build() -> tuple[Asn, ...]:
    taken: set[tuple[int, int]] = set()
    out: list[Asn] = []
    for number, name, country, kind, v6 in _TABLE:
        if v6 is not None and v6.count(":") != 1:
            raise AssertionError(f"AS{number}: give the first two hextets of its IPv6 block")
        rng = random.Random(f"asn:{number}")
        size = {"residential": 6, "mobile": 4, "cloud": 8, "hosting": 4}.get(kind, 2)
        blocks: list[tuple[int, int]] = []
        while len(blocks) < size:
            block = (_OCTETS[int(rng.random() * len(_OCTETS))], int(rng.random() * 256))
            if block not in taken:
                taken.add(block)
                blocks.append(block)
        out.append(Asn(number, name, country, kind, v6, tuple(blocks)))
    return tuple(out)


ASNS: Final[tuple[Asn, ...]] = _build()
_BY_NUMBER: Final[dict[int, Asn]] = {a.number: a for a in ASNS}

DEVELOPER_COUNTRIES: Final[tuple[tuple[str, float], ...]] = (
    ("US", 30),
    ("IN", 8),
    ("GB", 6),
    ("DE", 6),
    ("CA", 4),
    ("FR", 4),
    ("BR", 4),
    ("JP", 3.5),
    ("KR", 3),
    ("ES", 2.5),
    ("NL", 2),
    ("AU", 2.5),
    ("IT", 2),
    ("PL", 1.5),
    ("SE", 1),
    ("CH", 1),
    ("MX", 1.5),
    ("AR", 1),
    ("CO", 0.8),
    ("TR", 1.2),
    ("ID", 1.2),
    ("VN", 1),
    ("SG", 1),
    ("TW", 1),
    ("HK", 0.6),
    ("IL", 1),
    ("NG", 1),
    ("KE", 0.6),
    ("ZA", 0.7),
    ("AE", 0.5),
    ("UA", 0.8),
    ("PH", 0.8),
    ("NZ", 0.4),
    ("IE", 0.5),
    ("PT", 0.6),
    ("BE", 0.5),
    ("AT", 0.5),
    ("CL", 0.5),
)
"""Where individual developers are, roughly in proportion to a global API user base."""


def by_number(number: int) -> Asn:
    return _BY_NUMBER[number]


def by_kind(kind: str, country: str | None = None) -> tuple[Asn, ...]:
    """All ASNs of a kind (optionally in one country), in table order."""
    return tuple(a for a in ASNS if a.kind == kind and (country is None or a.country == country))


_RESIDENTIAL: Final[dict[str, tuple[Asn, ...]]] = {}
for _asn in ASNS:
    if _asn.kind in ("residential", "mobile"):
        _RESIDENTIAL.setdefault(_asn.country, ())
        _RESIDENTIAL[_asn.country] += (_asn,)


def residential_asn(rng: random.Random, country: str, mobile_share: float = 0.15) -> Asn:
    """A home or mobile ISP in ``country`` (falls back to a US one)."""
    options = _RESIDENTIAL.get(country) or _RESIDENTIAL["US"]
    mobiles = [a for a in options if a.kind == "mobile"]
    if mobiles and rng.random() < mobile_share:
        return mobiles[int(rng.random() * len(mobiles))]
    homes = [a for a in options if a.kind == "residential"] or list(options)
    # Earlier rows are the bigger ISPs: weight them more.
    i = min(int(rng.expovariate(1.2)), len(homes) - 1)
    return homes[i]


def pick_country(rng: random.Random, weights: tuple[tuple[str, float], ...]) -> str:
    r = rng.random() * sum(w for _, w in weights)
    for country, w in weights:
        r -= w
        if r < 0:
            return country
    return weights[-1][0]


def net_in(rng: random.Random, asn: Asn, v6_share: float = 0.0) -> Net:
    """A random client address inside ``asn`` (IPv6 with ``v6_share`` if it has a block)."""
    if asn.v6 is not None and v6_share and rng.random() < v6_share:
        r = rng.getrandbits(80)
        tail = ":".join(f"{(r >> (16 * k)) & 0xFFFF:x}" for k in range(5))
        return Net(f"{asn.v6}:{(r >> 64) & 0xFFFF:x}:{tail}", asn.number, asn.country)
    o1, o2 = asn.v4[int(rng.random() * len(asn.v4))]
    return Net(
        f"{o1}.{o2}.{int(rng.random() * 256)}.{1 + int(rng.random() * 254)}",
        asn.number,
        asn.country,
    )

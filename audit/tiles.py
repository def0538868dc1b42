"""The log as C2SP tlog-tiles, so mirrors and witnesses follow it with their own tools.

A tile at level L, number N holds the hashes of tree level 8·L, indices 256·N to 256·N + W − 1,
concatenated (32 bytes each); a full tile has W = 256 and the path ``tile/<L>/<N>``, a partial one
``tile/<L>/<N>.p/<W>``. N is written in groups of three digits, all but the last prefixed with
``x`` (1234067 → ``x001/x234/067``). The Merkle log view stores exactly these hashes (every
complete perfect subtree), so a tile is one range read.

Entry bundles (``tile/entries/…``) are not served: a C2SP entry is at most 65,535 bytes and a
ledger record may be larger; a mirror reads the records from ``/audit/proofs/inclusion`` and the
history routes instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEIGHT = 8
WIDTH = 1 << HEIGHT
_GROUP = re.compile(r"^x\d{3}$")
_LAST = re.compile(r"^(?P<digits>\d{3})(\.p)?$")


@dataclass(frozen=True)
class Tile:
    level: int
    number: int
    width: int

    @property
    def tree_level(self) -> int:
        return HEIGHT * self.level

    @property
    def first(self) -> int:
        """The index, at ``tree_level``, of the tile's first hash."""
        return self.number * WIDTH

    def path(self) -> str:
        groups = [f"{self.number % 1000:03d}"]
        number = self.number // 1000
        while number:
            groups.insert(0, f"x{number % 1000:03d}")
            number //= 1000
        partial = "" if self.width == WIDTH else f".p/{self.width}"
        return f"tile/{self.level}/{'/'.join(groups)}{partial}"


def parse_tile_path(path: str) -> Tile | None:
    """The tile a C2SP path names, or None when it is not a well-formed hash tile path."""
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[0] != "tile" or not parts[1].isascii() or not parts[1].isdigit():
        return None
    level = int(parts[1])
    width = WIDTH
    rest = parts[2:]
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        if not rest[-1].isascii() or not rest[-1].isdigit() or rest[-1].startswith("0"):
            return None
        width = int(rest[-1])
        rest = rest[:-1]
        if not 1 <= width < WIDTH:
            return None
    *groups, last = rest
    match = _LAST.match(last)
    if (match is None or bool(match.group(2)) != (width < WIDTH) or level > 63 or len(groups) > 6
            or not all(_GROUP.match(group) for group in groups)):
        return None
    number = 0
    for group in groups:
        number = number * 1000 + int(group[1:])
    number = number * 1000 + int(match.group("digits"))
    if f"tile/{level}/" + "/".join(rest) + ("" if width == WIDTH else f"/{width}") != \
            Tile(level, number, width).path():
        return None  # e.g. a leading x000 group: one tile, one path
    return Tile(level, number, width)

"""probing/ is three stages and the activation releases between them, in the order the data flows: a module imports
only from its own room and the rooms before it (extraction < artifacts < probes < leaderboard), so each room can be
read, tested and reused without the ones after it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "probing"
ROOMS = ("extraction", "artifacts", "probes", "leaderboard")


def imported_rooms(path: Path, room: str) -> set[str]:
    """The probing rooms a module imports from, absolute (spacetime.probing.<room>) or relative (..<room>)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.startswith("spacetime.probing."):
                found.add(module.split(".")[2])
            elif node.level == 1:
                found.add(room)
            elif node.level == 2:
                found.add(module.split(".")[0] if module else room)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names if a.name.startswith("spacetime.probing."))
    return found & set(ROOMS)


def test_every_module_sits_in_a_room():
    loose = [p.name for p in ROOT.glob("*.py") if p.name != "__init__.py"]
    assert loose == []
    assert sorted(p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()) == sorted(ROOMS)


def test_no_room_imports_from_a_room_after_it():
    against = []
    for index, room in enumerate(ROOMS):
        for path in sorted((ROOT / room).glob("*.py")):
            later = imported_rooms(path, room) - set(ROOMS[: index + 1])
            against += [f"{room}/{path.name} imports {sorted(later)}"] if later else []
    assert against == []


def test_the_check_sees_a_backward_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from spacetime.probing.leaderboard.tables import build_tables\nfrom ..probes import ridge\n")
    assert imported_rooms(module, "extraction") == {"leaderboard", "probes"}

"""kirchhoff op against ngspice on random decks mixing the cards users write
(bench/random_decks.py): none may answer differently from ngspice, nor fail where ngspice
answers. A refusal (exit 2 with its reason) and a deck neither can solve are allowed."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
import random_decks  # noqa: E402

CLI = os.environ.get("KH_CLI")


@pytest.mark.skipif(not CLI, reason="KH_CLI (the kirchhoff tool) not given")
def test_random_decks_agree_with_ngspice(tmp_path):
    verdicts = {}
    for seed in range(1, 151):
        path = tmp_path / f"random{seed}.cir"
        path.write_text(random_decks.deck(seed))
        kind, message = random_decks.classify(CLI, str(path))
        verdicts.setdefault(kind, []).append((seed, message))
    assert not verdicts.get("wrong") and not verdicts.get("failed"), verdicts
    assert len(verdicts["matching"]) >= 140  # seeds 1-150: 148 matching, 2 that neither solves

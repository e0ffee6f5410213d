"""The benchmark's profile summary: shares of our functions and where the samples ended."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from bench_profile import summarize  # scripts/ is not a package


def test_a_profile_is_summed_by_our_functions_and_by_where_samples_ended(tmp_path):
    raw = tmp_path / "profile-alerts-worker.txt"
    raw.write_text(
        'process 7:"celery";drain (hub/events.py:500);_process_claimed (hub/events.py:520);'
        "SQLCompiler.as_sql (django/db/models/sql/compiler.py:700) 3\n"
        'process 7:"celery";drain (hub/events.py:500);Cursor.execute (psycopg/cursor.py:90) 1\n'
        'process 7:"celery";WorkController.start (celery/worker/worker.py:200) 4\n'
    )
    text = summarize(raw)
    assert "8 samples with the GIL held" in text
    ours, ended = text.split("where the samples ended:")
    assert " 50.0%  drain (hub/events.py)" in ours  # 4 of 8, counted once per stack
    assert " 37.5%  _process_claimed (hub/events.py)" in ours
    assert "celery" not in ours.split("on the stack:")[1]
    assert " 50.0%  Celery, kombu, billiard" in ended
    assert " 37.5%  Django ORM: building SQL" in ended
    assert " 12.5%  psycopg (the database driver)" in ended


def test_an_empty_profile_says_so(tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text("")
    assert summarize(raw) == "  (no samples)"

"""Canonical activity definitions: collection from statements and the merge rule."""

from __future__ import annotations

from lrs.xapi.activities import definition_update, statement_activities


def test_statement_activities_finds_object_context_and_substatement() -> None:
    s = {
        "object": {
            "objectType": "SubStatement",
            "object": {"id": "http://sub"},
            "context": {"contextActivities": {"grouping": [{"id": "http://subgroup"}]}},
        },
        "context": {"contextActivities": {"parent": {"id": "http://parent"}}},
    }
    assert {a["id"] for a in statement_activities(s)} == {"http://sub", "http://subgroup", "http://parent"}


def test_definition_update_merges_language_maps_and_replaces_the_rest() -> None:
    paths = definition_update(
        [
            {"name": {"en-US": "A"}, "type": "http://t1", "extensions": {"http://e.x/1": 1}},
            {"name": {"fr": "Le A"}, "type": "http://t2"},
        ]
    )
    assert paths == {
        "definition.name.en-US": "A",
        "definition.name.fr": "Le A",
        "definition.type": "http://t2",
        "definition.extensions": {"http://e.x/1": 1},
    }

"""adapters.claude.strict_tool: the workout tool as the Claude client sends it (strict)."""

from __future__ import annotations

import json

import anthropic

from adapters.claude import strict_tool
from core.domain import Equipment
from core.models import Exercise, Workout
from core.prompt import TOOL_NAME, build_prompt
from tests.core.test_prompt import TYPICAL
from tests.fakes.messages_api import strict_schema_problems


def test_the_tool_is_the_strict_workout_schema() -> None:
    tool = strict_tool(build_prompt(TYPICAL).tool)
    assert tool["name"] == TOOL_NAME
    assert tool["strict"] is True
    schema = tool["input_schema"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(Workout.model_fields)
    assert set(schema["required"]) == {"title", "intro", "exercises"}
    exercise = schema["$defs"]["Exercise"]
    assert set(exercise["properties"]) == set(Exercise.model_fields)
    assert schema["$defs"]["Equipment"]["enum"] == [e.value for e in Equipment]
    assert strict_schema_problems(schema) == []
    assert "default" not in json.dumps(schema)
    expected = anthropic.transform_schema(Workout)
    assert set(expected["$defs"]) == set(schema["$defs"])


def test_strict_tool_gives_a_fresh_copy_and_leaves_the_prompt_alone() -> None:
    prompt = build_prompt(TYPICAL)
    raw = json.dumps(prompt.tool, sort_keys=True)
    first = strict_tool(prompt.tool)
    first["input_schema"]["properties"].clear()
    assert strict_tool(prompt.tool)["input_schema"]["properties"]
    assert json.dumps(prompt.tool, sort_keys=True) == raw

"""The KB as one JSON document (`voice-platform.kb/1`) and FAQs as CSV, in and out.

Reading validates everything first and reports every problem with its category and field,
so an import either applies whole or changes nothing."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydantic import ValidationError

from voice_platform.knowledge.schemas import (
    CATEGORY_MODELS,
    FAQ,
    Category,
    KnowledgeBase,
    Method,
    Provenance,
)
from voice_platform.services.errors import InvalidInput

FAQ_CSV_COLUMNS = ("question", "answer", "source_url")


def problems_of(error: ValidationError, prefix: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Each problem as {"category", "field", "problem"}."""
    found = []
    for item in error.errors():
        location = [*prefix, *(str(part) for part in item["loc"])]
        if location[:1] == ["categories"]:
            location = location[1:]
        category = location[0] if location and location[0] in CATEGORY_MODELS else ""
        field = ".".join(location[1:] if category else location) or "(document)"
        message = item["msg"].removeprefix("Value error, ")
        found.append({"category": category, "field": field, "problem": message})
    return found


class KnowledgeInvalid(InvalidInput):
    """Validation problems, all of them, each naming its category and field."""

    def __init__(self, problems: list[dict[str, str]]) -> None:
        first = problems[0]
        where = ".".join(part for part in (first["category"], first["field"]) if part)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{where}: {first['problem']}{more}",
            field=where,
            details=[
                {
                    "field": ".".join(part for part in (p["category"], p["field"]) if part),
                    "category": p["category"],
                    "problem": p["problem"],
                }
                for p in problems
            ],
        )
        self.problems = problems


def parse_document(data: Any) -> KnowledgeBase:
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise KnowledgeInvalid(
                [
                    {
                        "category": "",
                        "field": "(document)",
                        "problem": f"not JSON: {exc.msg} at line {exc.lineno}",
                    }
                ]
            ) from None
    if not isinstance(data, dict):
        raise KnowledgeInvalid(
            [{"category": "", "field": "(document)", "problem": "must be a JSON object"}]
        )
    if data.get("format") != "voice-platform.kb/1":
        raise KnowledgeInvalid(
            [{"category": "", "field": "format", "problem": 'must be "voice-platform.kb/1"'}]
        )
    try:
        return KnowledgeBase.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeInvalid(problems_of(exc)) from None


def parse_category(name: str, data: Any) -> Category:
    model = CATEGORY_MODELS.get(name)
    if model is None:
        raise KnowledgeInvalid(
            [
                {
                    "category": "",
                    "field": name,
                    "problem": f"no such category; use one of {', '.join(CATEGORY_MODELS)}",
                }
            ]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise KnowledgeInvalid(problems_of(exc, (name,))) from None


def export_json(kb: KnowledgeBase) -> str:
    """Canonical text: the same KB always exports to the same bytes."""
    return kb.model_dump_json(indent=2) + "\n"


def export_faqs_csv(kb: KnowledgeBase) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FAQ_CSV_COLUMNS)
    for faq in kb.categories.faqs.faqs:
        writer.writerow([faq.question, faq.answer, faq.provenance.source_url or ""])
    return out.getvalue()


def parse_faqs_csv(text: str) -> list[FAQ]:
    """FAQs from CSV with a header row (question, answer and optionally source_url)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "question" not in header or "answer" not in header:
        raise KnowledgeInvalid(
            [
                {
                    "category": "faqs",
                    "field": "(csv)",
                    "problem": "the first row must name the columns question and answer",
                }
            ]
        )
    faqs, problems = [], []
    for line, row in enumerate(reader, start=2):
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        try:
            faqs.append(
                FAQ(
                    question=clean.get("question", ""),
                    answer=clean.get("answer", ""),
                    provenance=Provenance(
                        source_url=clean.get("source_url") or None, method=Method.OWNER
                    ),
                )
            )
        except ValidationError as exc:
            for problem in problems_of(exc):
                problems.append(
                    {
                        "category": "faqs",
                        "field": f"row {line}: {problem['field']}",
                        "problem": problem["problem"],
                    }
                )
    if problems:
        raise KnowledgeInvalid(problems)
    return faqs

"""The table: Markdown (stdout and bench/results/*.md) and JSON (bench/results/*.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ._model import CaseResult, Row

HEADER = ("#", "figure", "flowscale", "baseline (same run)", "target", "met")


def verdict(row: Row) -> str:
    if row.value is None:
        return "⚠ no figure"
    met = row.met
    if met is None:
        return "reported"
    return "✅ met" if met else "❌ missed"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(results: list[CaseResult]) -> str:
    lines = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    for number, result in enumerate(results, 1):
        if result.error is not None and not result.rows:
            cells = (str(number), result.title, "—", "—", "—", "⚠ failed to run")
            lines.append("| " + " | ".join(cells) + " |")
            continue
        for row in result.rows:
            cells = (
                str(number),
                row.figure,
                row.shown,
                row.baseline,
                row.target.text if row.target else "—",
                verdict(row),
            )
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def notes(results: list[CaseResult]) -> str:
    lines = []
    for number, result in enumerate(results, 1):
        for row in result.rows:
            if row.note:
                lines.append(f"- {number}. {row.figure}: {row.note}")
        if result.error is not None:
            last = result.error.strip().splitlines()[-1]
            lines.append(f"- {number}. {result.title} FAILED TO RUN: {last}")
    return "\n".join(lines)


def markdown(results: list[CaseResult], meta: dict[str, Any]) -> str:
    head = [
        f"# flowscale benchmarks: {meta['mode']} run",
        "",
        f"Command: `{meta['command']}`  ",
        f"When: {meta['started']} ({meta['seconds']:.0f} s); commit {meta['commit']}"
        + (" with uncommitted changes to flowscale/" if meta["dirty"] else "")
        + "  ",
        f"Machine: {meta['machine']}; load average {meta['load_start']} at the start, "
        f"{meta['load_end']} at the end  ",
        "Server: a LocalServer in its own process on 127.0.0.1 (bench/_server_main.py); every "
        "figure is a median over repeated trials, with its baseline measured in the same run.",
    ]
    if meta.get("sdk", "this checkout") != "this checkout":
        head += [
            "",
            f"> SDK under test: the flowscale package in {meta['sdk']}, not this checkout.",
        ]
    body = ["", table(results), "", "Notes:", "", notes(results), ""]
    return "\n".join(head + body)


def to_json(results: list[CaseResult], meta: dict[str, Any]) -> str:
    document = {
        "meta": meta,
        "cases": [
            {
                "name": r.name,
                "title": r.title,
                "seconds": r.seconds,
                "error": r.error,
                "rows": [row.to_json() for row in r.rows],
            }
            for r in results
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write(
    directory: Path, stems: list[str], results: list[CaseResult], meta: dict[str, Any]
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    md, js = markdown(results, meta), to_json(results, meta)
    for stem in stems:
        for suffix, text in ((".md", md), (".json", js)):
            path = directory / f"{stem}{suffix}"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written

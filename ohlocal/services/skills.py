"""Repository skills: `AGENTS.md`, `.openhands/skills/` and `.openhands/microagents/` read
from a repository on the host, as SDK `Skill` objects for `agent.agent_context.skills`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ohlocal.models.app_conversation import SkillInfo

if TYPE_CHECKING:
    from pathlib import Path

logger = logging.getLogger(__name__)

# Files at the repository root that always apply (the reference's third-party rule files).
ROOT_FILES = ("AGENTS.md", "agents.md")
SKILL_DIRS = (".openhands/skills", ".openhands/microagents")
MAX_SKILL_BYTES = 256 * 1024


def _frontmatter(text: str) -> tuple[dict[str, Any], str]:
    """A `---` header of `key: value` lines (lists as `- item` lines or `[a, b]`), and the body."""
    if not text.startswith("---"):
        return {}, text
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text
    meta: dict[str, Any] = {}
    key: str | None = None
    for line in text[3:end].splitlines():
        stripped = line.strip()
        if stripped.startswith("- ") and key is not None:
            meta.setdefault(key, []).append(stripped[2:].strip().strip("\"'"))
        elif ":" in stripped:
            key, _, value = stripped.partition(":")
            key, value = key.strip(), value.strip()
            if value.startswith("[") and value.endswith("]"):
                meta[key] = [v.strip().strip("\"'") for v in value[1:-1].split(",") if v.strip()]
            elif value:
                meta[key] = value.strip("\"'")
    body = text[end + 4 :].lstrip("\n")
    return meta, body


def _skill(name: str, text: str, source: str) -> dict[str, Any]:
    meta, body = _frontmatter(text)
    triggers = meta.get("triggers") or meta.get("keywords") or []
    if isinstance(triggers, str):
        triggers = [triggers]
    return {
        "name": str(meta.get("name") or name),
        "content": body,
        "trigger": {"kind": "KeywordTrigger", "keywords": triggers} if triggers else None,
        "source": source,
    }


def _skill_files(root: Path) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for name in ROOT_FILES:
        if (root / name).is_file():
            found.append((name.rsplit(".", 1)[0].lower(), root / name))
            break
    for folder in SKILL_DIRS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.md")):
            if path.name.upper() == "README.MD":
                continue
            stem = path.parent.name if path.name == "SKILL.md" else path.stem
            found.append((stem, path))
    return found


def load_repository_skills(root: Path) -> list[dict[str, Any]]:
    """Skills of the repository at `root`; files that cannot be read are skipped."""
    skills: list[dict[str, Any]] = []
    for name, path in _skill_files(root):
        try:
            if path.stat().st_size > MAX_SKILL_BYTES:
                logger.warning("skill skipped, too large path=%s", path)
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            logger.warning("skill skipped path=%s error=%s", path, exc)
            continue
        skills.append(_skill(name, text, str(path.relative_to(root))))
    return skills


def skill_info(skill: dict[str, Any]) -> SkillInfo:
    """The `/skills` view of an SDK skill: `repo` when always on, `knowledge` when triggered."""
    trigger = skill.get("trigger") or {}
    keywords = [str(k) for k in trigger.get("keywords") or []]
    return SkillInfo(
        name=str(skill.get("name", "")),
        type="knowledge" if keywords else "repo",
        content=str(skill.get("content", "")),
        triggers=keywords,
    )


# GAP: keyword skills are always in the context, marked with their keywords, instead of being
# activated by a matching message; needs activation in the runner's message recording.
def skills_context(agent_context: dict[str, Any] | None) -> str | None:
    """The text the agent's system prompt carries for its skills and system message suffix."""
    if not agent_context:
        return None
    parts: list[str] = []
    for skill in agent_context.get("skills") or []:
        trigger = skill.get("trigger") or {}
        keywords = trigger.get("keywords") or []
        when = f" (applies when the task mentions: {', '.join(keywords)})" if keywords else ""
        parts.append(f'<skill name="{skill.get("name")}"{when}>\n{skill.get("content")}\n</skill>')
    if agent_context.get("system_message_suffix"):
        parts.append(str(agent_context["system_message_suffix"]))
    return "\n\n".join(parts) or None

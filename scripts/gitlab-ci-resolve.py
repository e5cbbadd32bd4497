#!/usr/bin/env python3
"""Prints a .gitlab-ci.yml as GitLab runs it, as JSON: `!reference` tags
replaced by what they point at, every job's `extends` merged in, hidden
jobs (`.name`) left out.

  scripts/gitlab-ci-resolve.py FILE > resolved.json

GitLab's schema lets a hidden job hold anything (it is a template), so a
job's keywords that come from a template are checked only once they are
merged into the job. The merge follows GitLab's `extends`: templates in
order, then the job itself; mappings merge key by key, anything else
(lists included) is replaced. `include` is not followed.

Needs ruamel.yaml (installed with check-jsonschema).
"""
import json
import sys

from ruamel.yaml import YAML

# Top-level keys that are not jobs.
GLOBAL_KEYWORDS = {
    "after_script", "before_script", "cache", "default", "image", "include",
    "services", "spec", "stages", "variables", "workflow",
}
MAX_DEPTH = 10  # GitLab's limit for extends and nested !reference


class Reference(list):
    """The path of a `!reference [job, key, ...]` tag."""


def load(path):
    yaml = YAML(typ="safe", pure=True)
    yaml.constructor.add_constructor(
        "!reference", lambda loader, node: Reference(loader.construct_sequence(node, deep=True)))
    with open(path) as f:
        return yaml.load(f)


def resolve_references(doc, value, depth=0):
    if depth > MAX_DEPTH:
        sys.exit("!reference nested too deeply")
    if isinstance(value, Reference):
        target = doc
        for key in value:
            if not isinstance(target, dict) or key not in target:
                sys.exit(f"!reference {list(value)}: not found")
            target = target[key]
        return resolve_references(doc, target, depth + 1)
    if isinstance(value, dict):
        return {k: resolve_references(doc, v, depth) for k, v in value.items()}
    if isinstance(value, list):
        out = []
        for item in value:
            was_reference = isinstance(item, Reference)
            item = resolve_references(doc, item, depth)
            # A referenced list inside a list (script lines) is flattened.
            out.extend(item if was_reference and isinstance(item, list) else [item])
        return out
    return value


def merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else v
        return out
    return over


def expand(doc, name, depth=0):
    if depth > MAX_DEPTH:
        sys.exit(f"{name}: extends nested too deeply")
    job = doc.get(name)
    if not isinstance(job, dict):
        sys.exit(f"extends: {name!r} is not a job")
    parents = job.get("extends", [])
    parents = [parents] if isinstance(parents, str) else parents
    result = {}
    for parent in parents:
        result = merge(result, expand(doc, parent, depth + 1))
    result = merge(result, {k: v for k, v in job.items() if k != "extends"})
    return result


def main(path):
    doc = load(path)
    if not isinstance(doc, dict):
        sys.exit(f"{path}: not a mapping")
    doc = resolve_references(doc, doc)
    out = {}
    for name, value in doc.items():
        if name.startswith("."):
            continue
        out[name] = expand(doc, name) if name not in GLOBAL_KEYWORDS and isinstance(value, dict) else value
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])

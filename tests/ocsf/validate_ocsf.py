"""Validates an OCSF JSON Lines file (secretlens' report.ocsf.jsonl) with py-ocsf-models, an
implementation independent of secretlens (the models Prowler emits its OCSF output with).

Usage: python tests/ocsf/validate_ocsf.py FILE.jsonl

Each line is loaded into the model of its class_uid (2004 DetectionFinding, 2003
ComplianceFinding); any other class is an error. On top of the models' own validation (types,
required attributes, enum ids) it reports:
  - attributes the model does not define (pydantic ignores them silently; outside `unmapped`
    and `resources[].data` they are misspellings or attributes of another OCSF version);
  - type_uid != class_uid * 100 + activity_id;
  - metadata.version other than the models' OCSF version.

Prints one JSON object on stdout: {"ocsf_version", "lines", "classes": {"2004": N, ...},
"errors": ["line N: ...", ...]}. Exit code 0 when there is no error, 1 otherwise, 2 on bad
usage. Lines are split on b"\\n" only: U+2028 inside a string is not a line break in JSONL.
"""

import json
import sys

from pydantic import BaseModel, ValidationError

import py_ocsf_models
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

MODELS = {2004: DetectionFinding, 2003: ComplianceFinding}
# Free-form objects: any keys are allowed below them.
OPEN = {"unmapped", "data"}


def unknown_keys(value, model, path):
    """Keys of `value` (a dict) that `model` (a pydantic model instance) does not define,
    recursively through nested models and lists of models."""
    out = []
    fields = type(model).model_fields
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if key not in fields:
            out.append(where)
            continue
        if key in OPEN:
            continue
        sub = getattr(model, key)
        if isinstance(sub, BaseModel) and isinstance(item, dict):
            out.extend(unknown_keys(item, sub, where))
        elif isinstance(sub, list) and isinstance(item, list):
            for i, (s, it) in enumerate(zip(sub, item)):
                if isinstance(s, BaseModel) and isinstance(it, dict):
                    out.extend(unknown_keys(it, s, f"{where}[{i}]"))
    return out


def check_line(n, raw):
    errors = []
    try:
        event = json.loads(raw)
    except ValueError as e:
        return None, [f"line {n}: not JSON: {e}"]
    if not isinstance(event, dict):
        return None, [f"line {n}: not a JSON object"]
    cls = event.get("class_uid")
    model = MODELS.get(cls)
    if model is None:
        return cls, [f"line {n}: class_uid {cls!r} is not 2003 or 2004"]
    try:
        m = model.model_validate(event)
    except ValidationError as e:
        for err in e.errors():
            loc = ".".join(str(p) for p in err["loc"])
            errors.append(f"line {n}: {loc}: {err['msg']}")
        return cls, errors
    for key in unknown_keys(event, m, ""):
        errors.append(f"line {n}: {key}: not an attribute of {model.__name__}")
    if event.get("type_uid") != cls * 100 + event.get("activity_id", -1):
        errors.append(f"line {n}: type_uid {event.get('type_uid')} is not class_uid * 100 + activity_id")
    version = event.get("metadata", {}).get("version")
    if version != py_ocsf_models.OCSF_VERSION:
        errors.append(f"line {n}: metadata.version {version!r} is not {py_ocsf_models.OCSF_VERSION}")
    return cls, errors


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        data = f.read()
    classes = {}
    errors = []
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    else:
        errors.append("the file does not end with a newline")
    for n, raw in enumerate(lines, 1):
        cls, errs = check_line(n, raw)
        if cls is not None:
            classes[str(cls)] = classes.get(str(cls), 0) + 1
        errors.extend(errs)
    print(json.dumps({
        "ocsf_version": py_ocsf_models.OCSF_VERSION,
        "lines": len(lines),
        "classes": classes,
        "errors": errors,
    }, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

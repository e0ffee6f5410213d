"""The house rules, checked: the import contracts hold, and only services write models."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["hub", "handoffs", "kpis", "feedback", "standups", "wiki", "workflows"]
# Calls that write rows. A view, an API handler, a form or a template tag never makes them:
# it calls a service (which validates, audits and keeps web and API alike).
WRITES = {"save", "delete", "create", "bulk_create", "update", "get_or_create", "update_or_create"}
INTERFACES = ("views*.py", "api.py", "api_*.py", "forms*.py", "templatetags/*.py")


def interface_files() -> list[Path]:
    found = []
    for app in APPS:
        for pattern in INTERFACES:
            found += sorted((ROOT / app).glob(pattern))
    return found


def writes_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    hits = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITES
        ):
            receiver = ast.unparse(node.func.value)
            # A DRF serializer's save() calls the viewset's perform_* hooks, which call services;
            # a session or message store is not a model.
            if receiver in ("serializer", "super()", "request.session", "self.request.session"):
                continue
            # create/update on a dict or a context are not writes: only on a manager or queryset.
            if node.func.attr not in ("save", "delete") and not (
                "objects" in receiver or receiver.endswith(")")
            ):
                continue
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            hits.append(f"{where}:{node.lineno}: {receiver}.{node.func.attr}()")
    return hits


def test_no_view_api_handler_or_form_writes_a_model_directly():
    offenders = [hit for path in interface_files() for hit in writes_in(path)]
    assert offenders == [], "Write through a service instead:\n" + "\n".join(offenders)


def test_the_check_finds_a_direct_write(tmp_path):
    view = tmp_path / "views.py"
    view.write_text(
        "def v(request, rule, context):\n"
        "    rule.save()\n"
        "    Rule.objects.filter(pk=1).update(enabled=True)\n"
        "    context.update(rule=rule)\n"
    )
    assert writes_in(view) == [
        f"{view}:2: rule.save()",
        f"{view}:3: Rule.objects.filter(pk=1).update()",
    ]


def test_no_api_viewset_writes_through_a_bare_serializer():
    """A viewset that creates, changes or deletes must do it in perform_* through a service:
    DRF's default perform_create/update/destroy would write the model directly."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework import mixins

    def viewsets(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from viewsets(p.url_patterns)
            elif isinstance(p, URLPattern) and hasattr(p.callback, "cls"):
                yield p.callback.cls

    hooks = [
        (mixins.CreateModelMixin, "perform_create", "create", "post"),
        (mixins.UpdateModelMixin, "perform_update", "update", "patch"),
        (mixins.DestroyModelMixin, "perform_destroy", "destroy", "delete"),
    ]
    offenders = set()
    for cls in set(viewsets(get_resolver().url_patterns)):
        allowed = getattr(cls, "http_method_names", [])
        for mixin, hook, handler, method in hooks:
            inherited = all(getattr(cls, n, None) is getattr(mixin, n) for n in (hook, handler))
            if issubclass(cls, mixin) and method in allowed and inherited:
                offenders.add(f"{cls.__module__}.{cls.__name__}.{hook}")
    assert sorted(offenders) == []


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout

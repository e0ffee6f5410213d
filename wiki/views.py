"""Docs pages: thin views that parse, authorise (selectors), call one service and render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from hub import roles
from hub.decorators import member_required
from hub.errors import DomainError
from hub.models import Team
from wiki import rendering, rule_actions, selectors, services
from wiki.forms import AttachmentForm, CommentForm, PageEditForm, PageNewForm, PageSettingsForm
from wiki.models import Template


def _html(user, body: str) -> str:
    # Sanitised by the renderer's allow-list before it is marked safe.
    return mark_safe(selectors.render_for_user(user, body))  # noqa: S308


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@member_required
def index(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    services.spaces_ensure()
    return render(
        request,
        "wiki/index.html",
        {
            "spaces": selectors.space_list(request.user),
            "recent": selectors.recently_changed(request.user),
            "most_read": selectors.most_read(request.user, now=now),
            "overdue": selectors.overdue_pages(request.user, now=now, limit=8),
            "templates": Template.choices,
            "is_admin": roles.is_admin(request.user),
            "stale_rule": selectors.stale_rule(),
            "stale_template": rule_actions.TEMPLATE_KEY,
        },
    )


@member_required
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    space = None
    if request.GET.get("space"):
        space = selectors.get_space_for_user(request.user, request.GET["space"])
    template = request.GET.get("template", "")
    template = template if template in Template.values else ""
    owner = Team.objects.filter(pk=_int(request.GET.get("owner"))).first()
    hits = selectors.page_search(request.user, q, space=space, template=template, owner=owner)
    return render(
        request,
        "wiki/search.html",
        {
            "q": q,
            "hits": [(h, mark_safe(h.snippet)) for h in hits],  # noqa: S308 - escaped in selector
            "spaces": selectors.space_list(request.user),
            "teams": Team.objects.order_by("name"),
            "templates": Template.choices,
            "space": space,
            "template": template,
            "owner": owner,
        },
    )


@member_required
def space(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.get_space_for_user(request.user, slug)
    return render(
        request,
        "wiki/space.html",
        {
            "space": found,
            "tree": selectors.page_tree(request.user, found),
            "watching": selectors.is_watching(request.user, space=found),
        },
    )


@member_required
@require_POST
def space_watch(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.get_space_for_user(request.user, slug)
    on = services.watch_set(user=request.user, space=found, on=request.POST.get("on") == "1")
    messages.success(
        request, f"Watching {found.name}." if on else f"Stopped watching {found.name}."
    )
    return redirect(found)


@member_required
def page_new(request: HttpRequest) -> HttpResponse:
    services.spaces_ensure()
    initial = {
        "title": request.GET.get("title", ""),
        "template": request.GET.get("template", Template.BLANK),
    }
    if request.GET.get("space"):
        initial["space"] = selectors.get_space_for_user(request.user, request.GET["space"])
    if request.GET.get("parent"):
        initial["parent"] = selectors.get_page_for_user(
            request.user, _int(request.GET["parent"]) or 0
        )
    form = PageNewForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            page = services.page_create_from_template(
                actor=request.user,
                space=data["space"],
                template=data["template"],
                title=data["title"],
                parent=data.get("parent"),
                owner_team=data.get("owner_team"),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Page created. Fill it in and save.")
            return redirect("wiki:page_edit", pk=page.pk)
    return render(request, "wiki/page_new.html", {"form": form})


@member_required
def page(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    if slug != found.slug:
        return redirect(found)
    services.page_view_record(user=request.user, page=found)
    now = timezone.now()
    threads = selectors.comment_threads(found)
    for comment in threads:
        comment.html = _html(request.user, comment.body)  # type: ignore[attr-defined]
        for reply in comment.thread_replies:  # type: ignore[attr-defined]
            reply.html = _html(request.user, reply.body)
    return render(
        request,
        "wiki/page.html",
        {
            "page": found,
            "html": _html(request.user, found.body),
            "ancestors": selectors.page_ancestors(found),
            "children": found.children.order_by("title"),
            "threads": threads,
            "open_threads": sum(1 for c in threads if not c.resolved_at),
            "attachments": found.attachments.all(),
            "conflicts": selectors.open_conflicts(request.user, found),
            "watching": selectors.is_watching(request.user, page=found),
            "overdue": found.is_overdue(now),
            "comment_form": CommentForm(),
            "attachment_form": AttachmentForm(),
            "last_revision": found.revisions.select_related("author").first(),
            "related": selectors.related_to_page(request.user, found),
        },
    )


@member_required
def page_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    conflict = None
    merging = None
    if request.GET.get("merge"):
        merging = selectors.get_conflict_for_user(
            request.user, found, _int(request.GET["merge"]) or 0
        )
    initial = {"title": found.title, "body": found.body, "base_number": found.revision_number}
    if merging:
        initial.update(title=merging.title, body=merging.body)
    form = PageEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if merging:
                saved = services.conflict_merge(
                    actor=request.user,
                    conflict=merging,
                    title=data["title"],
                    body=data["body"],
                    base_number=data["base_number"],
                )
            else:
                saved = services.page_save(
                    actor=request.user,
                    page=found,
                    title=data["title"],
                    body=data["body"],
                    base_number=data["base_number"],
                    note=data.get("note", ""),
                )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if not saved.refused:
                messages.success(
                    request,
                    f"Saved as revision {saved.revision.number}."
                    if saved.revision
                    else "No changes.",
                )
                return redirect(saved.page)
            conflict = saved.conflict
    status = 409 if conflict else 200
    return render(
        request,
        "wiki/page_edit.html",
        {
            "page": found,
            "form": form,
            "conflict": conflict,
            "merging": merging,
            "conflict_diff": mark_safe(  # noqa: S308 - sanitised diff
                rendering.diff_table(
                    found.body,
                    conflict.body,
                    old_label=f"Saved (revision {found.revision_number})",
                    new_label="Your version",
                )
            )
            if conflict
            else "",
        },
        status=status,
    )


@member_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    body = request.POST.get("body", "")[: services.MAX_BODY]
    return render(request, "wiki/_preview.html", {"html": _html(request.user, body)})


@member_required
def page_settings(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    form = PageSettingsForm(
        request.POST or None,
        page=found,
        initial={
            "owner_team": found.owner_team,
            "review_every_days": found.review_every_days,
            "parent": found.parent,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.page_update_settings(actor=request.user, page=found, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Settings saved.")
            return redirect(found)
    return render(request, "wiki/page_settings.html", {"page": found, "form": form})


@member_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    revisions = Paginator(selectors.revision_list(found), 50).get_page(request.GET.get("page"))
    return render(request, "wiki/history.html", {"page": found, "revisions": revisions})


@member_required
def revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    rev = selectors.get_revision(found, number)
    return render(
        request,
        "wiki/revision.html",
        {"page": found, "revision": rev, "html": _html(request.user, rev.body)},
    )


@member_required
def diff(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    a = _int(request.GET.get("a")) or max(found.revision_number - 1, 1)
    b = _int(request.GET.get("b")) or found.revision_number
    a, b = min(a, b), max(a, b)
    old, new = selectors.get_revision(found, a), selectors.get_revision(found, b)
    table = rendering.diff_table(
        (f"# {old.title}\n" if old.title != new.title else "") + old.body,
        (f"# {new.title}\n" if old.title != new.title else "") + new.body,
        old_label=f"Revision {a}",
        new_label=f"Revision {b}",
    )
    return render(
        request,
        "wiki/diff.html",
        {"page": found, "old": old, "new": new, "table": mark_safe(table)},  # noqa: S308
    )


@member_required
@require_POST
def restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    try:
        saved = services.page_restore(actor=request.user, page=found, number=number)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("wiki:history", pk=found.pk)
    if saved.revision:
        messages.success(
            request, f"Restored revision {number} as revision {saved.revision.number}."
        )
    else:
        messages.info(request, "That revision is already the current text.")
    return redirect(saved.page)


@member_required
def conflict(request: HttpRequest, pk: int, conflict_id: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    copy = selectors.get_conflict_for_user(request.user, found, conflict_id)
    if request.method == "POST" and request.POST.get("action") == "discard":
        services.conflict_discard(actor=request.user, conflict=copy)
        messages.success(request, "Conflict copy put away.")
        return redirect(found)
    table = rendering.diff_table(
        found.body,
        copy.body,
        old_label=f"Saved (revision {found.revision_number})",
        new_label="Your refused version",
    )
    return render(
        request,
        "wiki/conflict.html",
        {"page": found, "copy": copy, "table": mark_safe(table)},  # noqa: S308
    )


@member_required
@require_POST
def comment_add(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write a comment first.")
        return redirect(found)
    data = form.cleaned_data
    parent = None
    if data.get("parent"):
        parent = selectors.get_comment_for_user(request.user, data["parent"])
    try:
        comment = services.comment_add(
            actor=request.user, page=found, body=data["body"], quote=data.get("quote", ""),
            parent=parent,
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(found.get_absolute_url() + "#comments")
    messages.success(request, "Comment added.")
    return redirect(found.get_absolute_url() + f"#comment-{comment.pk}")


@member_required
@require_POST
def comment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.get_comment_for_user(request.user, pk)
    services.comment_resolve(
        actor=request.user, comment=comment, resolved=request.POST.get("resolved") != "0"
    )
    return redirect(comment.page.get_absolute_url() + f"#comment-{comment.pk}")


@member_required
@require_POST
def page_watch(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    on = services.watch_set(user=request.user, page=found, on=request.POST.get("on") == "1")
    messages.success(request, "Watching this page." if on else "Stopped watching this page.")
    return redirect(found)


@member_required
@require_POST
def page_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    services.page_mark_reviewed(actor=request.user, page=found)
    messages.success(request, "Marked as reviewed.")
    return redirect(found)


@member_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to attach.")
        return redirect(found)
    try:
        attachment = services.attachment_add(
            actor=request.user, page=found, upload=form.cleaned_data["file"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(found)
    embed = "!" if attachment.is_image else ""
    messages.success(
        request,
        f"Attached {attachment.name}. Use it in the page with "
        f"{embed}[{attachment.name}]({attachment.get_absolute_url()})",
    )
    return redirect(found)


@member_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    found = selectors.get_attachment_for_user(request.user, pk)
    try:
        handle = found.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    inline = found.is_image or found.content_type == "application/pdf"
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=found.name,
        content_type=found.content_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


@member_required
def silo(request: HttpRequest) -> HttpResponse:
    one_function, unread = selectors.silo_check(request.user, now=timezone.now())
    return render(request, "wiki/silo.html", {"one_function": one_function, "unread": unread})


@member_required
def onboarding(request: HttpRequest) -> HttpResponse:
    items = selectors.onboarding_checklist(request.user)
    return render(
        request,
        "wiki/onboarding.html",
        {
            "person": request.user,
            "items": items,
            "done": sum(1 for i in items if i.done_at),
            "mine": True,
            "is_manager": roles.is_manager(request.user),
        },
    )


@member_required
@require_POST
def onboarding_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.get_page_for_user(request.user, pk)
    try:
        services.onboarding_step_set(
            user=request.user, page=found, done=request.POST.get("done") == "1"
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(found if request.POST.get("next") == "page" else "wiki:onboarding")


@member_required
def onboarding_team(request: HttpRequest) -> HttpResponse:
    if not roles.is_manager(request.user):
        raise PermissionDenied
    people = selectors.onboarding_team_progress(request.user, now=timezone.now())
    return render(request, "wiki/onboarding_team.html", {"people": people})


@member_required
def onboarding_person(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.get_person_for_manager(request.user, user_id)
    items = selectors.onboarding_checklist(person)
    return render(
        request,
        "wiki/onboarding.html",
        {
            "person": person,
            "items": items,
            "done": sum(1 for i in items if i.done_at),
            "mine": person.pk == request.user.pk,
            "is_manager": True,
        },
    )

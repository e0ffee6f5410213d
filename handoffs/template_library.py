"""The only tags and filters a rule's title, message and dedupe key may use.

A rule's template is written by an admin and filled with event data: no tag that reads other
templates (include, extends), loads libraries (load), or reaches the site (url, csrf_token,
debug). What is here is what the rule form documents.
"""

from django.template import Library, defaultfilters, defaulttags

TAGS = ("if", "for", "firstof", "with", "comment")
FILTERS = (
    "default",
    "default_if_none",
    "join",
    "length",
    "first",
    "last",
    "lower",
    "upper",
    "title",
    "capfirst",
    "truncatechars",
    "truncatewords",
    "floatformat",
    "yesno",
    "pluralize",
    "date",
)

register = Library()
for _name in TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in FILTERS:
    register.filters[_name] = defaultfilters.register.filters[_name]

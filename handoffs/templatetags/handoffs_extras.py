from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` for dicts keyed by ids in templates."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)

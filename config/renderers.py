"""DRF's browsable API under the Content-Security-Policy (config.settings.CONTENT_SECURITY_POLICY)."""

from csp.constants import UNSAFE_INLINE
from rest_framework.renderers import BrowsableAPIRenderer


class BrowsableAPIWithInlineStyles(BrowsableAPIRenderer):
    """DRF's browsable API. Its pages carry a few inline styles (and no inline script), which the policy lets
    in on these pages only: the response is marked as django-csp's ``csp_update`` decorator marks a view's."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)

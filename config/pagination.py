"""How the API's lists are cut into pages."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class PageSizePagination(PageNumberPagination):
    """Numbered pages of ``PAGE_SIZE`` results; a client may ask for 1 to 200 with ``?page_size=``.

    DRF's own class reads a page size it cannot use as "the default"; here it is a field error, as the
    filters' values are (``config.filters``). Left blank, it is the default, as a blank filter is ignored.
    A page number that is not one (``?page=abc``) is a field error too; a page past the last is not found
    (404), as DRF answers.
    """

    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = (
        f"Results per page, from 1 to {max_page_size} ({PageNumberPagination.page_size} when omitted)."
    )

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if not raw:
            return self.page_size
        if not raw.isdecimal() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Enter a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def get_page_number(self, request: Request, paginator: object) -> str | int:
        raw = request.query_params.get(self.page_query_param, "")
        if raw and raw not in self.last_page_strings and not (raw.isdecimal() and int(raw) >= 1):
            raise ValidationError({self.page_query_param: ["Enter a whole number from 1, or 'last'."]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view: object) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

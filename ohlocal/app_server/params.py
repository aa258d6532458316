"""Query-parameter texts shared by the App Server routes."""

PAGE_ID_HELP = "next_page_id from the previous page"

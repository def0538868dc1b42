"""Reads of the views, one module per view: each list is scoped, filtered, ordered and paged in
SQL (keyset cursors), so a page costs the same whatever the size of the view."""

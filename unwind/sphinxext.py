"""A Sphinx fix-up for the book build.

sphinx-thebe registers its inline configuration script twice when Jupyter Book sets it up, so every page
threw "Identifier 'THEBE_JS_URL' has already been declared" in the browser console. This drops exact
duplicate scripts from each page.
"""

from __future__ import annotations


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for js in context.get("script_files", []):
        # an inline script is registered once with filename None and once with "": the same script
        key = (getattr(js, "filename", str(js)) or "", tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    if "script_files" in context:
        context["script_files"][:] = unique


def setup(app):
    app.connect("html-page-context", _drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

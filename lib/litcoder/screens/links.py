"""Links that JupyterLab serves: a notebook opens the report through the running Jupyter
server (its /files/ address), so the report's scripts run as in any browser tab, rather
than a file:// address the browser refuses from a web page.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote


def served_url(path: Path) -> str | None:
    """The address at which a running Jupyter server serves `path`, or None when no server
    on this machine has it under its root folder."""
    try:
        from jupyter_server.serverapp import list_running_servers
    except ImportError:
        return None
    path = Path(path).resolve()
    for server in list_running_servers():
        root = Path(server.get("root_dir") or server.get("notebook_dir") or "/").resolve()
        if server.get("url") and path.is_relative_to(root):
            relative = path.relative_to(root).as_posix()
            return f"{server['url'].rstrip('/')}/files/{quote(relative)}"
    return None


def open_link(path: Path, text: str | None = None) -> str:
    """An HTML link that opens `path` in a new browser tab through JupyterLab, or, outside
    JupyterLab, its file:// address with a word on opening it by hand."""
    path = Path(path).resolve()
    text = html.escape(text or str(path))
    url = served_url(path)
    if url:
        return f'<a href="{html.escape(url)}" target="_blank" rel="noopener">{text}</a>'
    return (f'<a href="{html.escape(path.as_uri())}" target="_blank">{text}</a> '
            f"(no running Jupyter server serves this folder: open the file in your browser)")

"""File downloads: one way to send an export, so every one is an attachment that no cache keeps."""

from __future__ import annotations

from flask import Response

MIMETYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "json": "application/json",
}


def attachment(data: bytes, filename: str) -> Response:
    """`data` as a download named `filename`; the type follows from its extension. Never cached (Bibob data)."""
    return Response(
        data,
        content_type=MIMETYPES[filename.rsplit(".", 1)[1]],  # not mimetype=: Flask would add a second charset
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )

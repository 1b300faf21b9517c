"""Media between MTProto requests/answers and the Bot API JSON the fake stores in ``extra``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyrogram.file_id import FileId, FileType, ThumbnailSource

from core.sandbox.telegram.rows import Refused, stable_id
from core.sandbox.telegram.tl import raw

_DC = 2
_DOCUMENT_KINDS = ("document", "video", "voice", "audio", "animation", "sticker", "video_note")
_FILE_TYPES = {"photo": FileType.PHOTO, "document": FileType.DOCUMENT, "video": FileType.VIDEO,
               "voice": FileType.VOICE, "audio": FileType.AUDIO, "animation": FileType.ANIMATION,
               "sticker": FileType.STICKER, "video_note": FileType.VIDEO_NOTE}


def file_id_of(kind: str, unique_id: str) -> str:
    """The Bot API file id of a file the fake keeps, as Telegram makes them: one
    Pyrogram reads (send by file id, download). The fake's file reference is the
    file's unique id, so a request naming the file says which one it is."""
    file_type = _FILE_TYPES.get(kind, FileType.DOCUMENT)
    media_id, access_hash = stable_id(unique_id), stable_id("hash", unique_id)
    if file_type is FileType.PHOTO:
        return str(FileId(file_type=file_type, dc_id=_DC, file_reference=unique_id.encode(),
                          media_id=media_id,
                      access_hash=access_hash, thumbnail_source=ThumbnailSource.THUMBNAIL,
                      thumbnail_file_type=FileType.PHOTO, thumbnail_size="x", volume_id=0,
                      local_id=0).encode())
    return str(FileId(file_type=file_type, dc_id=_DC, file_reference=unique_id.encode(), media_id=media_id,
                  access_hash=access_hash).encode())


def unique_id_of(file_reference: bytes) -> str:
    """The unique id a request's file reference names (see :func:`file_id_of`)."""
    try:
        return file_reference.decode()
    except UnicodeDecodeError:
        raise Refused("FILE_REFERENCE_INVALID") from None


def _file(upload_id: int, size: int, kind: str = "document", **more: Any) -> dict[str, Any]:
    unique = f"fake{stable_id('file', upload_id):x}"
    return {"file_id": file_id_of(kind, unique), "file_unique_id": unique, "file_size": size, **more}


def invoice_content(media: Any) -> tuple[str, dict[str, Any]]:
    """Check an invoice as Telegram does, and return (kind, extra) for it."""
    invoice = media.invoice
    provider = media.provider or ""
    total = sum(p.amount for p in invoice.prices)
    if not media.title or not media.description:
        raise Refused("INVOICE_INVALID")
    if not 1 <= len(media.payload) <= 128:
        raise Refused("INVOICE_PAYLOAD_INVALID")
    if invoice.currency == "XTR":
        # Stars: no payment provider, exactly one price (Telegram's rule for digital goods).
        if provider or len(invoice.prices) != 1:
            raise Refused("STARS_INVOICE_INVALID")
    elif not provider:
        raise Refused("PAYMENT_PROVIDER_INVALID")
    if total <= 0:
        raise Refused("CURRENCY_TOTAL_AMOUNT_INVALID")
    return "invoice", {
        "invoice": {
            "title": media.title,
            "description": media.description,
            "currency": invoice.currency,
            "total_amount": total,
            "start_parameter": media.start_param or "",
        },
        "invoice_payload": media.payload.decode("utf-8", errors="replace"),
        "prices": [{"label": p.label, "amount": p.amount} for p in invoice.prices],
        "provider_token": provider,
    }


def uploaded_content(media: Any, uploads: Mapping[int, int]) -> tuple[str, dict[str, Any]]:
    """(kind, extra) of a photo or document the bot uploaded; ``uploads`` maps file id to size."""
    size = uploads.get(media.file.id)
    if size is None:
        # Pyrogram answers FILE_PART_X_MISSING by uploading again; the fake never loses parts.
        raise Refused("FILE_PARTS_INVALID")
    if isinstance(media, raw.types.InputMediaUploadedPhoto):
        return "photo", {"photo": [_file(media.file.id, size, "photo", width=0, height=0)]}
    names = [a.file_name for a in media.attributes if isinstance(a, raw.types.DocumentAttributeFilename)]
    name = names[0] if names else media.file.name
    document = _file(media.file.id, size, file_name=name, mime_type=media.mime_type)
    return "document", {"document": document}


def _photo(sizes: list[Mapping[str, Any]], date: int) -> Any:
    biggest = sizes[-1]
    return raw.types.MessageMediaPhoto(
        photo=raw.types.Photo(
            id=stable_id(biggest.get("file_unique_id")),
            access_hash=stable_id("hash", biggest.get("file_unique_id")),
            file_reference=str(biggest.get("file_unique_id") or "").encode(),
            date=date,
            sizes=[
                raw.types.PhotoSize(
                    type="x", w=s.get("width", 0), h=s.get("height", 0), size=s.get("file_size", 0)
                )
                for s in sizes
            ],
            dc_id=_DC,
        )
    )


def _attributes(kind: str, item: Mapping[str, Any]) -> list[Any]:
    attributes: list[Any] = []
    if item.get("file_name"):
        attributes.append(raw.types.DocumentAttributeFilename(file_name=item["file_name"]))
    duration = item.get("duration", 0)
    if kind in ("voice", "audio"):
        attributes.append(raw.types.DocumentAttributeAudio(duration=duration, voice=kind == "voice"))
    elif kind in ("video", "video_note", "animation"):
        attributes.append(
            raw.types.DocumentAttributeVideo(
                duration=duration, w=item.get("width", 0), h=item.get("height", 0),
                round_message=kind == "video_note" or None,
            )
        )
        if kind == "animation":
            attributes.append(raw.types.DocumentAttributeAnimated())
    elif kind == "sticker":
        attributes.append(
            raw.types.DocumentAttributeSticker(
                alt=item.get("emoji", ""), stickerset=raw.types.InputStickerSetEmpty()
            )
        )
    return attributes


def _document(kind: str, item: Mapping[str, Any], date: int) -> Any:
    unique = item.get("file_unique_id")
    return raw.types.MessageMediaDocument(
        document=raw.types.Document(
            id=stable_id(unique),
            access_hash=stable_id("hash", unique),
            file_reference=str(unique or "").encode(),
            date=date,
            mime_type=item.get("mime_type", "application/octet-stream"),
            size=item.get("file_size", 0),
            dc_id=_DC,
            attributes=_attributes(kind, item),
        ),
        voice=kind == "voice" or None,
        video=kind in ("video", "video_note") or None,
        round=kind == "video_note" or None,
    )


def media_id(kind: str, extra: Mapping[str, Any]) -> int | None:
    """The id :func:`to_raw` gives a stored message's photo or document (None: neither)."""
    if kind == "photo":
        return stable_id(extra["photo"][-1].get("file_unique_id"))
    if kind in _DOCUMENT_KINDS:
        return stable_id(extra[kind].get("file_unique_id"))
    return None


def to_raw(kind: str, extra: Mapping[str, Any], date: int) -> Any:
    """The MTProto media of a stored message (None for text and service messages)."""
    if kind == "photo":
        return _photo(extra["photo"], date)
    if kind in _DOCUMENT_KINDS:
        return _document(kind, extra[kind], date)
    if kind == "invoice":
        invoice = extra["invoice"]
        return raw.types.MessageMediaInvoice(
            title=invoice["title"],
            description=invoice["description"],
            currency=invoice["currency"],
            total_amount=invoice["total_amount"],
            start_param=invoice.get("start_parameter", ""),
        )
    if kind in ("text", "service"):
        return None
    return raw.types.MessageMediaUnsupported()
